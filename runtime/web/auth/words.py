"""The words of sign-in, the account pages and the admin pages, in both languages; templates
reach them as `auth_text(key)`."""

from __future__ import annotations

from typing import Any

from runtime.i18n import Catalogue
from runtime.web.lang import current_lang

TEXT = Catalogue({
    "sign_in": ("登录", "Sign in"),
    "staff_sign_in": ("工作人员登录", "Staff sign-in"),
    "citizen_sign_in": ("群众和企业登录", "Citizen and enterprise sign-in"),
    "sign_out": ("退出登录", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "bad_credentials": ("用户名或密码错误", "Wrong username or password"),
    "throttled": ("尝试次数过多，请稍后再试", "Too many attempts; please try again later"),
    "lock_hint": ("连续输错 {n} 次密码，账号将锁定 {minutes} 分钟。",
                  "After {n} wrong passwords in a row the account is locked for {minutes} "
                  "minutes."),
    "change_password": ("修改密码", "Change password"),
    "password_expired": ("密码已过期，请先修改密码。", "Your password has expired; please "
                         "change it first."),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码", "New password"),
    "confirm_password": ("再次输入新密码", "New password again"),
    "wrong_current": ("当前密码错误", "The current password is wrong"),
    "mismatch": ("两次输入的新密码不一致", "The new passwords differ"),
    "same_password": ("新密码不能与当前密码相同", "The new password must differ from the "
                      "current one"),
    "too_short": ("密码至少 {n} 位", "A password needs at least {n} characters"),
    "needs_letter": ("密码须包含字母", "A password needs a letter"),
    "needs_digit": ("密码须包含数字", "A password needs a digit"),
    "policy": ("密码至少 {n} 位，须同时包含字母和数字；每 {days} 天需更换一次。",
               "At least {n} characters with letters and digits; changed every {days} days."),
    "password_changed": ("密码已修改。", "Your password has been changed."),
    "my_account": ("我的账号", "My account"),
    "memberships": ("所属部门和角色", "Departments and roles"),
    "scope": ("数据范围", "Data scope"),
    "scope_own": ("本人", "own"),
    "scope_department": ("本部门", "department"),
    "scope_department_tree": ("本部门及下级", "department and below"),
    "scope_region": ("本地区", "region"),
    "scope_all": ("全部", "all"),
    "admin_users": ("工作人员", "Staff"),
    "admin_people": ("人员管理", "People"),
    "admin_audit": ("审计日志", "Audit log"),
    "admin_jobs": ("后台任务", "Background jobs"),
    "submit": ("提交", "Submit"),
    "display_name": ("姓名", "Name"),
    "mobile": ("手机号", "Mobile"),
    "status": ("状态", "Status"),
    "active": ("正常", "active"),
    "inactive": ("停用", "inactive"),
    "locked": ("已锁定", "locked"),
    "demo": ("演示账号", "demo account"),
    "no_staff": ("您的管理范围内没有工作人员。", "No staff in your scope."),
    "time": ("时间", "Time"),
    "actor": ("操作人", "Actor"),
    "action": ("操作", "Action"),
    "target": ("对象", "Target"),
    "ip": ("IP 地址", "IP address"),
    "detail": ("说明", "Detail"),
    "since": ("开始日期", "From"),
    "until": ("结束日期", "To"),
    "any_action": ("全部操作", "Any action"),
    "search": ("查询", "Search"),
    "more": ("加载更多", "More"),
    "no_rows": ("没有符合条件的记录。", "No matching records."),
})


def text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)
