"""The demo organisation: a fictional 示例市 with the departments the shipped scenarios name,
a district with two street offices, and one demo account per role.

Region codes follow GB/T 2260's shape (province 11, city 1101, district 110105); the city is
fictional. Demo accounts share one password and are refused in production. The password is
hashed once per process and the hash shared by every demo account: scrypt is slow on purpose
(about 0.1 s a hash), and a test suite seeds the demo organisation hundreds of times.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session

from runtime import passwords
from runtime.store import accounts
from runtime.store.models import utcnow

ENV_VAR = "LOWCODE_ENV"
PRODUCTION = "production"
# The only values of LOWCODE_ENV that are not production: unset, or anything else, is.
DEVELOPMENT_ENVS = ("development", "testing")
DEMO_PASSWORD = "lowcode2025"
CITY_REGION, DISTRICT_REGION = "110100", "110105"

# code, zh, en, region, parent code
DEPARTMENTS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("CITY", "示例市人民政府", "Example City Government", CITY_REGION, None),
    ("HEALTH", "卫生健康委员会", "Health Commission", CITY_REGION, "CITY"),
    ("POLICE", "公安局", "Public Security Bureau", CITY_REGION, "CITY"),
    ("MEDINS", "医疗保障局", "Medical Insurance Bureau", CITY_REGION, "CITY"),
    ("HRSS", "人力资源和社会保障局", "Human Resources and Social Security", CITY_REGION, "CITY"),
    ("SAMR", "市场监督管理局", "Administration for Market Regulation", CITY_REGION, "CITY"),
    ("FINANCE", "财政局", "Finance Bureau", CITY_REGION, "CITY"),
    ("INDUSTRY", "工业和信息化局", "Industry and Information Technology Bureau", CITY_REGION,
     "CITY"),
    ("TAX", "税务局", "Tax Bureau", CITY_REGION, "CITY"),
    ("HOTLINE", "12345 热线中心", "12345 Hotline Centre", CITY_REGION, "CITY"),
    ("GOVSVC", "政务服务中心", "Government Service Centre", CITY_REGION, "CITY"),
    ("DISTRICT", "示例区人民政府", "Example District Government", DISTRICT_REGION, "CITY"),
    ("STREET_EAST", "东湖街道办事处", "Donghu Street Office", DISTRICT_REGION, "DISTRICT"),
    ("STREET_WEST", "西山街道办事处", "Xishan Street Office", DISTRICT_REGION, "DISTRICT"),
)
# code, region, parent code: departments a shipped pack declares at the root (hotline_12345's
# handling units), placed in the city's tree when the pack has created them, so that the
# city's supervisor finds them in the organisation filter; never created here.
PACK_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("HOUSING", CITY_REGION, "CITY"), ("MARKET", CITY_REGION, "CITY"),
    ("ECO", CITY_REGION, "CITY"), ("DC_GOV", "110101", "CITY"), ("XC_GOV", "110102", "CITY"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    department: str
    role: str
    mobile: str


ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("clerk_health", "王办事（卫健委）", "HEALTH", "clerk", "13800138001"),
    DemoAccount("lead_health", "李科长（卫健委）", "HEALTH", "lead", "13800138002"),
    DemoAccount("clerk_police", "张办事（公安局）", "POLICE", "clerk", "13800138003"),
    DemoAccount("clerk_street", "赵办事（东湖街道）", "STREET_EAST", "clerk", "13800138004"),
    DemoAccount("clerk_govsvc", "钱受理（政务服务中心）", "GOVSVC", "clerk", "13800138011"),
    DemoAccount("lead_govsvc", "冯科长（政务服务中心）", "GOVSVC", "lead", "13800138012"),
    DemoAccount("clerk_medins", "何参保（医保局）", "MEDINS", "clerk", "13800138013"),
    DemoAccount("clerk_hrss", "吕制卡（人社局）", "HRSS", "clerk", "13800138014"),
    DemoAccount("clerk_industry", "黄审核（工信局）", "INDUSTRY", "clerk", "13800138015"),
    DemoAccount("lead_industry", "林科长（工信局）", "INDUSTRY", "lead", "13800138016"),
    DemoAccount("clerk_finance", "徐会计（财政局）", "FINANCE", "clerk", "13800138017"),
    DemoAccount("clerk_tax", "高税务（税务局）", "TAX", "clerk", "13800138018"),
    DemoAccount("dispatcher", "陈派单（12345）", "HOTLINE", "dispatcher", "13800138005"),
    DemoAccount("supervisor", "刘督办（政务服务中心）", "GOVSVC", "supervisor", "13800138006"),
    DemoAccount("designer", "周设计（政务服务中心）", "GOVSVC", "designer", "13800138007"),
    DemoAccount("admin", "吴管理（市政府）", "CITY", "admin", "13800138008"),
    DemoAccount("admin_district", "郑管理（示例区）", "DISTRICT", "admin", "13800138009"),
    DemoAccount("auditor", "孙审计（市政府）", "CITY", "auditor", "13800138010"),
)


class DemoRefused(RuntimeError):
    """Demo accounts are never created in production."""


def is_production(env: str | None = None) -> bool:
    """Production unless `env` (else LOWCODE_ENV) says development or testing: a server
    started without saying so refuses demo accounts and sends Secure cookies."""
    return (env if env is not None else os.environ.get(ENV_VAR, "")) not in DEVELOPMENT_ENVS


def seed_demo(session: Session, *, env: str | None = None) -> list[str]:
    """Create whatever of the demo organisation is missing and commit; returns the usernames
    created. Running it again creates nothing. Refuses when the environment is production."""
    if is_production(env):
        raise DemoRefused(f"{ENV_VAR} is not development: demo accounts are not created")
    accounts.ensure_builtin_roles(session)
    for code, zh, en, region, parent in DEPARTMENTS:
        _ensure_department(session, code, zh, en, region, parent)
    for code, region, parent in PACK_DEPARTMENTS:
        if accounts.department(session, code) is not None:
            _ensure_department(session, code, "", "", region, parent)
    created = [a.username for a in ACCOUNTS if _ensure_account(session, a)]
    session.commit()
    return created


def _ensure_department(session: Session, code: str, zh: str, en: str, region: str,
                       parent_code: str | None) -> None:
    """Create the department, or adopt one a pack created at the root into the tree."""
    parent = accounts.department(session, parent_code) if parent_code else None
    existing = accounts.department(session, code)
    if existing is None:
        accounts.add_department(session, code, zh, en, region_code=region, parent=parent)
    elif existing.parent_id is None and parent is not None:
        existing.parent, existing.region_code = parent, existing.region_code or region
        existing.path = f"{parent.path}{code}{accounts.PATH_SEPARATOR}"


def _ensure_account(session: Session, account: DemoAccount) -> bool:
    if accounts.user_by_name(session, account.username) is not None:
        return False
    user = accounts.User(username=account.username, display_name=account.display_name,
                         mobile=account.mobile, is_demo=True,
                         password_hash=demo_password_hash(), password_changed_at=utcnow())
    session.add(user)
    session.flush()
    accounts.add_membership(session, user, account.department, account.role)
    return True


def demo_password_hash() -> str:
    """The demo password, hashed once per process (and hashing method). One salt for every
    demo account gives nothing away: the password is printed on the sign-in help."""
    return _hash_once(passwords.METHOD)


@cache
def _hash_once(method: str) -> str:  # keyed by the method: the tests lower scrypt's cost
    return passwords.hash_password(DEMO_PASSWORD)


def sign_in_table(lang: str = "zh") -> list[str]:
    """Lines telling how to sign in with the demo accounts."""
    head = (f"Demo accounts (password for all: {DEMO_PASSWORD})" if lang == "en"
            else f"演示账号（统一密码：{DEMO_PASSWORD}）")
    rows = [f"  {a.username:<16} {a.role:<11} {a.department:<12} {a.display_name}"
            for a in ACCOUNTS]
    return [head, *rows]
