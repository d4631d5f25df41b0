"""Demo cases (`lowcode demo cases N`): N realistic cases across the three shipped packs, with
their histories spread over the last D days, so the views and dashboards show real figures.

Each case is a pack-test run (runtime.packtests.runner) on the real database: the
application submitted as the portal submits it, each step done by a demo account through the
same use-cases the workbench calls, on a clock that starts at the case's arrival in the past
and moves on between steps (the worker runs the timers that fall due on the way). Nothing is
written behind the engine's back but the moment a rating was given. A case whose next step
would fall after now stays open where it is (some of them overdue). Deterministic for a seed.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from stdnum.cn import ric, uscc

from runtime import demo
from runtime.casework import ratings
from runtime.flows.errors import FlowError
from runtime.packtests.runner import Run, Stop
from runtime.packtests.scenario import Actor, Duration, Scenario, Start, Step
from runtime.store import accounts, measure_days, measures
from runtime.store.cases import CaseRow
from runtime.store.models import utcnow
from runtime.store.queries import latest_definition
from runtime.store.ratings import RatingRow
from runtime.store.submissions import Owner
from runtime.views.ratings import Posted
from templates_lib.regions import children

DEFAULT_DAYS = 90
STALLED = 0.12  # share of cases held up at some step, still open
FIRST_DEMO_CASES = 120  # what `lowcode serve` makes in an empty development database
KEY_PREFIX = "demo-case"
# Staff the hotline pack's departments need beyond runtime.demo's accounts (created only
# where the pack created the department).
EXTRA_ACCOUNTS = (
    demo.DemoAccount("clerk_hotline", "韩回访（12345）", "HOTLINE", "clerk", "13800138021"),
    demo.DemoAccount("lead_hotline", "曹主任（12345）", "HOTLINE", "lead", "13800138022"),
    demo.DemoAccount("clerk_housing", "彭物业（住建局）", "HOUSING", "clerk", "13800138023"),
    demo.DemoAccount("clerk_market", "袁维权（市场监管局）", "MARKET", "clerk", "13800138024"),
    demo.DemoAccount("clerk_eco", "蒋环保（生态环境局）", "ECO", "clerk", "13800138025"),
    demo.DemoAccount("clerk_dongcheng", "沈属地（东城区）", "DC_GOV", "clerk", "13800138026"),
    demo.DemoAccount("clerk_xicheng", "韦属地（西城区）", "XC_GOV", "clerk", "13800138027"),
)
CLERK_OF = {"HOUSING": "clerk_housing", "MARKET": "clerk_market", "ECO": "clerk_eco",
            "DC_GOV": "clerk_dongcheng", "XC_GOV": "clerk_xicheng"}

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
            "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
            "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "子涵",
         "浩然", "欣怡", "宇轩", "梓涵", "一诺", "雨桐", "沐宸", "思远", "嘉怡", "俊熙")
CHILD = ("子墨", "若曦", "一航", "诗涵", "梓萱", "浩宇", "语桐", "奕辰", "可馨", "承泽", "安然",
         "思彤", "铭轩", "雨泽", "欣妍", "佳琪")
HOSPITALS = ("市妇幼保健院", "市第一人民医院", "市中心医院", "东湖区人民医院", "西山区妇产医院")
STREETS = ("和平里街道", "东四街道", "交道口街道", "景山街道", "什刹海街道", "德胜街道",
           "月坛街道", "广安门内街道", "金融街街道", "展览路街道")
HOUSING = ("楼道照明坏了两个月，物业一直不修。", "小区电梯频繁故障，物业拖延维修。",
           "楼顶漏水，多次报修无人处理。", "物业费上涨未经业主大会同意。")
MARKET = ("网购商品质量问题，商家拒绝退货。", "健身房突然关门，预付卡无法退费。",
          "超市销售过期食品。", "装修公司收了定金后不开工。")
ENVIRONMENT = ("夜间施工噪声扰民，影响休息。", "餐馆油烟直排，影响居民生活。",
               "河道有异味，疑似有人偷排污水。")
OTHER = ("路灯不亮，夜间出行不便。", "人行道井盖破损，存在安全隐患。",
         "小区门口道路积水严重。", "咨询老旧小区加装电梯的补贴政策。")
CONTENT = {"housing": HOUSING, "market": MARKET, "environment": ENVIRONMENT, "other": OTHER}
COMPANIES = ("星河智能装备", "蓝鲸数据科技", "华信新材料", "东方精密仪器", "青禾生物医药",
             "云帆软件", "恒泰汽车零部件", "瑞光半导体", "绿源环保科技", "金石机器人")
BANKS = ("中国工商银行示例市分行", "中国建设银行示例市分行", "示例农村商业银行",
         "招商银行示例市分行")
OLD_DISTRICTS = ("110101", "110102", "110105", "110106", "110108")
POOR_REASONS = ("slow", "unclear", "attitude")


class DemoCasesRefused(RuntimeError):
    """Demo cases are never made in production unless forced."""


@dataclass
class Made:
    """What a run of `make_cases` made: cases per pack, and those it could not."""

    per_pack: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    before: int = 0

    @property
    def total(self) -> int:
        return sum(self.per_pack.values())


def case_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CaseRow)) or 0


def make_cases(session: Session, n: int, *, seed: int | None = None, days: int = DEFAULT_DAYS,
               env: str | None = None, force: bool = False, now: datetime | None = None) -> Made:
    """Make `n` demo cases across the packs that are published, arriving over the last `days`
    days (one in three of the birth pack, the 12345 hotline's about half, the rest policy
    redemptions). Refuses in production unless `force`."""
    if demo.is_production(env) and not force:
        raise DemoCasesRefused(f"{demo.ENV_VAR} is production: no demo cases (--force to insist)")
    now = now or utcnow()
    made = Made(before=case_count(session))
    demo.seed_demo(session, env="development")
    _ensure_extra_accounts(session)
    rng = random.Random(seed)
    makers = [m for m in (_Birth, _Hotline, _Policy) if m.published(session)]
    if not makers:
        return made
    weights = [{"birth": 3, "hotline": 5, "policy": 2}[m.name] for m in makers]
    arrivals = sorted(now - timedelta(days=days) + timedelta(seconds=rng.uniform(0, days * 86400))
                      for _ in range(n))
    if arrivals:  # days already summed up get this history too (runtime.store.measure_days)
        measure_days.backdated(session, measures.china_date(arrivals[0]))
        session.commit()
    run_id = f"{seed if seed is not None else 'x'}-{made.before}-{rng.randrange(10**9)}"
    for index, arrival in enumerate(arrivals):
        maker = rng.choices(makers, weights)[0](rng, _working_hours(arrival, rng, now), now)
        key = f"{KEY_PREFIX}-{run_id}-{index}"
        if maker.run(session, key):
            made.per_pack[maker.pack] = made.per_pack.get(maker.pack, 0) + 1
        else:
            made.failed += 1
    return made


def _working_hours(moment: datetime, rng: random.Random, now: datetime) -> datetime:
    """The moment moved into office hours (08:30-17:30 Beijing time) on its day, unless that
    is later than now (today's office hours not over yet): then the moment itself."""
    beijing = moment.astimezone(UTC) + timedelta(hours=8)
    start = beijing.replace(hour=8, minute=30, second=0, microsecond=0)
    moved = start + timedelta(minutes=rng.randrange(9 * 60)) - timedelta(hours=8)
    return moved if moved <= now else moment


def _ensure_extra_accounts(session: Session) -> None:
    for account in EXTRA_ACCOUNTS:
        if accounts.department(session, account.department) is not None:
            demo._ensure_account(session, account)  # noqa: SLF001 (the demo's own helper)
    session.commit()


# --- data ---------------------------------------------------------------------------------

def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    prefix = rng.choice(("138", "139", "136", "150", "158", "186", "177"))
    return f"{prefix}{rng.randrange(10**8):08d}"


def county(rng: random.Random, city: str = "1101") -> str:
    """A real county code (GB/T 2260) of `city`."""
    return rng.choice([r.code for r in children(city)])


def id_number(rng: random.Random, region: str, born: date, female: bool) -> str:
    """A valid resident ID number (GB 11643) born in `region` on `born`; a region its table
    did not know then gives way to one of the city's old districts."""
    for place in (region, *OLD_DISTRICTS):
        sequence = rng.randrange(0, 50) * 2 + (0 if female else 1)
        body = f"{place}{born:%Y%m%d}{rng.randrange(10):01d}{sequence:02d}"
        number = body + ric.calc_check_digit(body + "0")  # stdnum reads it with its digit
        if ric.is_valid(number):
            return number
    raise ValueError(f"no valid ID number for {region} {born}")


def credit_code(rng: random.Random) -> str:
    """A valid unified social credit code (GB 32100) of an enterprise (91) in the city."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + county(rng) + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


# --- the cases ----------------------------------------------------------------------------

class _Maker(ABC):
    """One case of a pack: its application and the steps done on it, a clock between them."""

    name = ""
    pack = ""
    form = ""

    def __init__(self, rng: random.Random, arrival: datetime, now: datetime):
        self.rng, self.arrival, self.now = rng, arrival, now
        self.steps: list[Step] = []
        self.rate = rng.random() < 0.6

    @classmethod
    def published(cls, session: Session) -> bool:
        return latest_definition(session, "Form", cls.form) is not None

    @abstractmethod
    def data(self) -> dict[str, Any]:
        """The application's start data."""

    @abstractmethod
    def plan(self) -> None:
        """The steps done on the case (`self.steps`)."""

    def step(self, username: str, task: str, action: str, *, hours: float = 0.0,
             working_days: int = 0, data: dict[str, Any] | None = None, **params: Any) -> None:
        after = (Duration(working_days, "working_days") if working_days
                 else Duration(max(1, round(hours * 60)), "minutes") if hours else None)
        self.steps.append(Step(len(self.steps), action, task, Actor(username, username=username),
                               data, params, after, None, None))

    def wait(self) -> float:
        """Hours before the next step: mostly within the day, now and then days."""
        return self.rng.choice((0.5, 1, 2, 3, 5, 20, 26, 50)) * self.rng.uniform(0.6, 1.4)

    def run(self, session: Session, key: str) -> bool:
        self.values = self.data()
        self.plan()
        if len(self.steps) > 2 and self.rng.random() < STALLED:  # held up: some overdue now
            del self.steps[self.rng.randrange(1, len(self.steps) - 1):]
        scenario = Scenario(f"demo:{self.name}", self.name,
                            Start(self.form, self.values, key=key), tuple(self.steps))
        done = _DemoRun(session, scenario, self.arrival, self.now)
        try:
            done.start()
            for step in scenario.steps:
                done.step(step)
        except _Later:
            pass
        except Stop:
            session.rollback()
            return done.case is not None
        if done.case is None:
            return False
        if self.rate:
            self.rating(session, done)
        return True

    def rating(self, session: Session, done: _DemoRun) -> None:
        submission = done.submission
        assert submission is not None
        session.refresh(submission)
        if submission.status not in ratings.ENDED:
            return
        level = self.rng.choices((5, 4, 3, 2, 1), (55, 25, 10, 6, 4))[0]
        reasons = (self.rng.choice(POOR_REASONS),) if level <= 2 else ()
        posted = Posted(level, reasons, "办理太慢，多次催问" if level <= 2 else "")
        try:
            row = ratings.rate(session, submission, ratings.Rater(Owner("guest"), "demo"),
                               posted)
        except (ratings.RatingRefused, ValueError):
            session.rollback()
            return
        moment = min(done.clock + timedelta(hours=self.rng.uniform(1, 72)), self.now)
        session.execute(update(RatingRow).where(RatingRow.id == row.id)
                        .values(rated_at=moment))
        session.commit()


class _Later(Exception):
    """The next step would happen after now: the case stays as it is."""


class _DemoRun(Run):
    """A pack-test run on the real database: its clock starts at the arrival; a step that
    would come after now is not done; a refused step leaves the case as it is."""

    def __init__(self, session: Session, scenario: Scenario, arrival: datetime,
                 now: datetime):
        super().__init__(session, scenario, _Ignored())  # type: ignore[arg-type]
        self.clock, self.now = arrival, now
        self.demo_seeded = True

    def fail(self, where: str, zh: str, en: str) -> None:
        raise Stop()

    def pass_time(self, duration: Duration) -> None:
        # Checked before the worker runs: it runs every case's timers due by the new clock,
        # so a step after now would fire warnings and escalations that are not due yet.
        if self.moved(duration) > self.now:
            raise _Later()
        super().pass_time(duration)

    def step(self, step: Step) -> None:
        try:
            super().step(step)
        except FlowError:
            raise Stop() from None


class _Ignored:
    failures: list[Any] = []


class _Birth(_Maker):
    name, pack, form = "birth", "birth_one_thing", "birth_apply"

    def data(self) -> dict[str, Any]:
        rng, today = self.rng, self.now.date()
        born = max(self.arrival.date() - timedelta(days=rng.randrange(1, 20)),
                   today - timedelta(days=rng.randrange(0, 25)))
        residence = county(rng)
        mother_born = date(rng.randrange(1985, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
        father_born = mother_born - timedelta(days=rng.randrange(0, 2000))
        surname = rng.choice(SURNAMES)
        card = rng.random() < 0.7
        return {"child_name": surname + rng.choice(CHILD), "child_gender": rng.choice("MF"),
                "birth_date": born.isoformat(), "hospital": rng.choice(HOSPITALS),
                "mother_name": person_name(rng),
                "mother_id": id_number(rng, county(rng), mother_born, True),
                "father_name": surname + rng.choice(GIVEN),
                "father_id": id_number(rng, residence, father_born, False),
                "contact_mobile": mobile(rng), "residence": residence,
                "enrol_insurance": rng.random() < 0.85, "need_ss_card": card,
                **({"bank_account": f"6222{rng.randrange(10**15):015d}"} if card else {})}

    def plan(self) -> None:
        rng, w = self.rng, self.wait
        self.step("clerk_govsvc", "accept", "claim", hours=w() / 2)
        if rng.random() < 0.05:
            self.step("clerk_govsvc", "accept", "reject", hours=w(), opinion="不符合办理条件")
            return
        self.step("clerk_govsvc", "accept", "approve", hours=w())
        self.step("clerk_health", "joint_check", "approve", hours=w())
        if rng.random() < 0.15:
            self.step("clerk_police", "joint_check", "return", hours=w(), to="accept",
                      reason="父亲身份证号与户籍信息不一致")
            self.step("clerk_govsvc", "accept", "approve", hours=w())
            self.step("clerk_health", "joint_check", "approve", hours=w())
        self.step("clerk_police", "joint_check", "approve", hours=w())
        self.step("clerk_health", "certificate", "approve", hours=w())
        late = rng.random() < 0.15
        if rng.random() < 0.1:
            self.step("clerk_police", "hukou", "request_extension", hours=w(), days=3,
                      reason="需核实户籍迁移材料")
        self.step("clerk_police", "hukou", "approve", hours=w(),
                  working_days=rng.randrange(6, 9) if late else 0)
        if self.values["enrol_insurance"]:
            self.step("clerk_medins", "insurance", "approve", hours=w())
        if self.values["need_ss_card"]:
            self.step("clerk_hrss", "card", "approve", hours=w())
        self.step("clerk_govsvc", "close", "approve", hours=w())


class _Hotline(_Maker):
    name, pack = "hotline", "hotline_12345"
    form = "hl_web_intake"

    def data(self) -> dict[str, Any]:
        rng = self.rng
        topic = rng.choices(("housing", "market", "environment", "other"), (4, 3, 2, 3))[0]
        district = rng.choice(("110101", "110102"))
        return {"category": rng.choices(("consultation", "request", "complaint", "suggestion"),
                                        (2, 3, 4, 1))[0] if topic != "market" else
                rng.choice(("complaint", "request")),
                "topic": topic, "urgent": rng.random() < 0.08, "district": district,
                "address": f"{'东城区' if district == '110101' else '西城区'}"
                           f"{rng.choice(STREETS)}{rng.randrange(1, 40)}号院",
                "content": rng.choice(CONTENT[topic]), "caller_name": person_name(rng),
                "caller_mobile": mobile(rng)}

    def plan(self) -> None:
        rng, w = self.rng, self.wait
        self.step("dispatcher", "dispatch", "complete", hours=w() / 3, data={"assign_to": None})
        clerk = CLERK_OF[_dispatch_department(self.values)]
        rounds = 2 if rng.random() < 0.15 else 1
        for round_no in range(rounds):
            if round_no == 0 and rng.random() < 0.1:
                self.step(clerk, "handle", "request_extension", hours=w(), days=5,
                          reason="需等待现场检测结果")
                self.step("lead_hotline", "handle", "decide_extension", hours=w(), approve=True,
                          note="同意延期")
            late = rng.random() < 0.12
            self.step(clerk, "handle", "complete", hours=w(),
                      working_days=rng.randrange(14, 20) if late else 0,
                      opinion="已现场核实并处理", data={"result": "solved", "reason": None})
            self.step(clerk, "reply", "complete", hours=w(), data={"method": "phone"})
            satisfied = round_no == rounds - 1 and rng.random() < 0.9
            self.step("clerk_hotline", "revisit", "complete", hours=w(),
                      data={"reached": True, "solved": satisfied, "satisfied": satisfied,
                            "note": None if satisfied else "不满意，问题未解决"})
            if not satisfied and round_no == 1:
                self.step("lead_hotline", "supervise", "complete", hours=w(),
                          opinion="督促承办单位限期整改")


def _dispatch_department(data: dict[str, Any]) -> str:
    """The department the web dispatch table sends the order to (as the pack's rules)."""
    if data["topic"] == "housing":
        return "HOUSING"
    if data["topic"] == "market" and data["category"] in ("complaint", "request"):
        return "MARKET"
    if data["topic"] == "environment":
        return "ECO"
    return "DC_GOV" if data["district"] == "110101" else "XC_GOV"


class _Policy(_Maker):
    name, pack, form = "policy", "policy_redemption", "pr_rd_apply"

    def data(self) -> dict[str, Any]:
        rng = self.rng
        materials = ["licence", "audit_report", "project_docs", "tax_proof"]
        if rng.random() < 0.2:
            materials.remove(rng.choice(("project_docs", "tax_proof")))
        return {"company_name": f"示例市{rng.choice(COMPANIES)}有限公司",
                "uscc": credit_code(rng), "registered_here": True, "bad_credit": False,
                "rd_spend": str(rng.randrange(100, 800) * 10000), "materials": materials,
                "bank_name": rng.choice(BANKS), "bank_account": f"6222{rng.randrange(10**15):015d}",
                "contact_name": person_name(rng), "contact_mobile": mobile(rng)}

    def plan(self) -> None:
        rng, w = self.rng, self.wait
        if rng.random() < 0.06:
            self.step("clerk_govsvc", "accept", "reject", hours=w(), opinion="申请材料不符合要求",
                      data={"tolerated": False, "missing": None})
            return
        self.step("clerk_govsvc", "accept", "approve", hours=w(),
                  data={"tolerated": False, "missing": None})
        self.step("clerk_industry", "review", "approve", hours=w(),
                  working_days=rng.randrange(0, 3), data={"approved_amount": 100000})
        if rng.random() < 0.12:
            self.step("clerk_finance", "countersign", "return", hours=w(), to="review",
                      reason="核定金额与审计报告不一致")
            self.step("clerk_industry", "review", "approve", hours=w(),
                      data={"approved_amount": 90000})
        self.step("clerk_finance", "countersign", "approve", hours=w(), data={})
        self.step("clerk_tax", "countersign", "approve", hours=w(), data={})
        self.step("clerk_industry", "publicity", "approve", hours=w(),
                  data={"objection": False, "objection_note": None})
        self.step("clerk_finance", "payment", "approve", working_days=6,
                  data={"voucher_no": f"ZF-{self.arrival:%Y}-{rng.randrange(10**6):06d}",
                        "paid_amount": 90000})
