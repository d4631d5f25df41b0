"""The page language: Chinese unless `?lang=en` (kept in a cookie for the next pages, until
`?lang=zh`), label text, and the interface's own words.

Simple on purpose: Flask-Babel replaces the catalogue here in a later issue.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, request, url_for

from runtime.i18n import DEFAULT_LANG, Catalogue, pick
from runtime.kept import Kept

HTML_LANG = {"zh": "zh-CN", "en": "en"}
LANG_COOKIE = "lang"  # the language a person chose, for every later page (no personal data)
LANG_COOKIE_AGE = 365 * 24 * 3600

UI = Catalogue({
    "product": ("数字化履职协同平台", "Digital Collaboration Platform for Public Duties"),
    "tagline": ("跨部门协同办事：一次申请，多部门联办", "Cross-department work: apply once, "
                "handled jointly"),
    "packs": ("场景包", "Scenario packs"),
    "no_packs": ("尚未导入场景包。运行 lowcode import 路径 导入一个场景包。",
                 "No scenario pack is imported yet. Run lowcode import PATH to import one."),
    "version": ("第 {version} 版", "version {version}"),
    "publisher": ("发布方：{publisher}", "Publisher: {publisher}"),
    "services": ("可办事项", "Service items"),
    "no_services": ("此场景包没有对外办理的事项。", "This pack offers no service items."),
    "form": ("申请表：{title}（第 {version} 版）", "Application form: {title} (version {version})"),
    "department": ("主管部门：{name}", "Department: {name}"),
    "apply": ("在线办理", "Apply online"),
    "definition": ("查看定义", "View definition"),
    "catalogue": ("办事大厅：全部事项", "All services"),
    "track": ("办件查询", "Track an application"),
    "switch": ("English", "中文"),
    "error_title": ("出错了", "Something went wrong"),
    "error_code": ("错误代码：{error}（{status}）", "Error code: {error} ({status})"),
    "home": ("返回首页", "Back to the start page"),
})


def current_lang() -> str:
    """Read once per request: pages ask for it for every label (so one lookup of `g`)."""
    try:
        return str(g.lang)
    except AttributeError:
        g.lang = _asked() or _kept() or DEFAULT_LANG
        return str(g.lang)


def _asked() -> str | None:
    """The language this request's `?lang=` chooses, if it names one."""
    asked = request.args.get("lang")
    return asked if asked in HTML_LANG else None


def _kept() -> str | None:
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in HTML_LANG else None


def keep_choice(response: Response) -> Response:
    """A language chosen by `?lang=` is kept for the pages after it."""
    asked = _asked()
    if asked is not None and asked != _kept():
        response.set_cookie(LANG_COOKIE, asked, max_age=LANG_COOKIE_AGE, httponly=True,
                            samesite="Lax", secure=bool(current_app.config.get(
                                "SESSION_COOKIE_SECURE")))
    return response


# Chinese punctuation as English writes it: half-width, a space after.
MARKS = {"：": ": ", "；": "; ", "、": ", ", "，": ", ", "（": " (", "）": ")"}


def mark(zh: str) -> str:
    """A Chinese punctuation mark, or its English form on an English page."""
    return MARKS.get(zh, zh) if current_lang() == "en" else zh


def text(label: Any) -> str:
    """A label (plain text or {zh, en}) in the page language."""
    return pick(label, current_lang())


def ui(key: str, /, **params: Any) -> str:
    return UI.format(key, current_lang(), **params)


def lang_url(endpoint: str, **values: Any) -> str:
    """`url_for` that keeps the page language asked for by this request's `?lang=` (one kept
    in the cookie needs no parameter)."""
    lang = current_lang()
    if lang != DEFAULT_LANG and _asked() == lang:
        values.setdefault("lang", lang)
    if not values.keys() - {"lang"}:
        return _plain_url(endpoint, values.get("lang"))
    return url_for(endpoint, **values)


def _plain_url(endpoint: str, lang: str | None) -> str:
    """The URL of an endpoint with no values but the language: the same on every request
    under the same root, so built once per app (a menu links to a dozen of them)."""
    urls: Kept[tuple[str, str | None, str], str] = current_app.extensions.setdefault(
        "lowcode_plain_urls", Kept(256))
    key = (endpoint, lang, request.script_root)
    found = urls.get(key)
    if found is None:
        found = urls.keep(key, url_for(endpoint, **({"lang": lang} if lang else {})))
    return found


def switch_url() -> str:
    """This page in the other language."""
    return f"{request.path}?lang={'zh' if current_lang() == 'en' else 'en'}"


def init_app(app: Flask) -> None:
    app.after_request(keep_choice)
    app.jinja_env.globals.update(t=text, _=ui, lang_url=lang_url, switch_url=switch_url,
                                 mark=mark)
    app.context_processor(lambda: {"lang": current_lang(),
                                   "html_lang": HTML_LANG[current_lang()]})
