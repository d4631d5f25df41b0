"""The administrator's people page (/admin/people): the staff in their reach, a form to add
a person with roles in a department, and per person a role to add, the account to disable
or enable and the password to reset. Every change is the use-case `runtime.casework.people`
(scoped to the administrator's reach, audited); a generated password is shown once, on the
page that answers the post, never in a link."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.casework import people
from runtime.i18n import Catalogue
from runtime.masking import mask
from runtime.store import accounts
from runtime.web.auth.audit import current_actor
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.lang import current_lang

bp = Blueprint("people", __name__, url_prefix="/admin/people")
MANAGE = people.MANAGE

TEXT = Catalogue({
    "title": ("人员管理", "People"),
    "add_person": ("添加人员", "Add a person"), "username": ("用户名", "Username"),
    "name": ("姓名", "Name"), "mobile": ("手机号", "Mobile"),
    "department": ("部门", "Department"), "roles": ("角色", "Roles"),
    "role": ("角色", "Role"), "memberships": ("部门与角色", "Departments and roles"),
    "status": ("状态", "Status"), "active": ("启用", "active"),
    "disabled": ("已停用", "disabled"), "add": ("添加", "Add"),
    "add_role": ("添加角色", "Add role"), "disable": ("停用", "Disable"),
    "enable": ("启用", "Enable"), "reset": ("重置密码", "Reset password"),
    "added": ("已添加 {name}。初始密码（只显示这一次，请当面或安全地交给本人）：{password}",
              "{name} is added. Initial password (shown once; hand it over safely): "
              "{password}"),
    "role_added": ("已为 {name} 添加角色。", "A role is added to {name}."),
    "now_disabled": ("已停用 {name}，其所有会话已失效。",
                     "{name} is disabled; every session it held has ended."),
    "now_enabled": ("已启用 {name}。", "{name} is enabled."),
    "password_reset": ("{name} 的新密码（只显示这一次）：{password}",
                       "New password of {name} (shown once): {password}"),
    "none": ("范围内没有人员。", "No staff in your reach."),
})


def ptext(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


@bp.get("")
@require(MANAGE)
def page() -> ResponseReturnValue:
    return _render()


@bp.post("")
@require(MANAGE)
def add() -> ResponseReturnValue:
    form = request.form
    person = people.NewPerson(
        form.get("username", "").strip(), form.get("name", "").strip(),
        form.get("department", ""), tuple(form.getlist("roles")),
        mobile=form.get("mobile", "").strip() or None)
    try:
        added = people.add_person(db(), person, by=g.principal, actor=current_actor(),
                                  ip=request.remote_addr)
    except people.PeopleError as error:
        db().rollback()
        return _render(error=error.message(current_lang()), typed=form, status=400)
    return _render(notice=ptext("added", name=added.user.username, password=added.password))


@bp.post("/<username>/roles")
@require(MANAGE)
def add_role(username: str) -> ResponseReturnValue:
    user = _managed(username)
    return _change(lambda: people.give_role(
        db(), user, request.form.get("department", ""), request.form.get("role", ""),
        by=g.principal, actor=current_actor(), ip=request.remote_addr),
        ptext("role_added", name=username))


@bp.post("/<username>/disable")
@require(MANAGE)
def disable(username: str) -> ResponseReturnValue:
    return _set_active(username, False, "now_disabled")


@bp.post("/<username>/enable")
@require(MANAGE)
def enable(username: str) -> ResponseReturnValue:
    return _set_active(username, True, "now_enabled")


@bp.post("/<username>/password")
@require(MANAGE)
def reset(username: str) -> ResponseReturnValue:
    user = _managed(username)
    password = people.reset_password(db(), user, by=g.principal, actor=current_actor(),
                                     ip=request.remote_addr)
    return _render(notice=ptext("password_reset", name=username, password=password))


def _set_active(username: str, active: bool, said: str) -> ResponseReturnValue:
    user = _managed(username)
    return _change(lambda: people.set_active(db(), user, active, by=g.principal,
                                             actor=current_actor(), ip=request.remote_addr),
                   ptext(said, name=username))


def _change(change: Any, notice: str) -> ResponseReturnValue:
    try:
        change()
    except people.PeopleError as error:
        db().rollback()
        return _render(error=error.message(current_lang()), status=400)
    return _render(notice=notice)


def _managed(username: str) -> accounts.User:
    """The user, if the administrator may change them; else a 404 as if there were none."""
    user = accounts.user_by_name(db(), username)
    if user is None or not people.manages(g.principal, user):
        abort(404)
    return user


def _render(*, notice: str | None = None, error: str | None = None,
            typed: Any = None, status: int = 200) -> ResponseReturnValue:
    session = db()
    staff = accounts.visible_staff(session, access.visibility(g.principal, MANAGE))
    places = [d for d in accounts.departments(session)
              if access.allowed(g.principal, MANAGE, people.department_ref(d))]
    roles = accounts.roles(session)
    return render_template("pages/admin_people.html", staff=staff, departments=places,
                           roles=roles, notice=notice, error=error, typed=typed or {},
                           manages=lambda u: people.manages(g.principal, u),
                           mask=lambda value: mask(value, "mobile") if value else "",
                           pt=ptext), status
