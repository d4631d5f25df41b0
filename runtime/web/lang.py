"""The page language: Chinese unless `?lang=en`, label text, and the interface's own words.

Simple on purpose: Flask-Babel replaces the catalogue here in a later issue.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request, url_for

from runtime.i18n import DEFAULT_LANG, Catalogue, pick

HTML_LANG = {"zh": "zh-CN", "en": "en"}

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
        g.lang = "en" if request.args.get("lang") == "en" else DEFAULT_LANG
        return str(g.lang)


def text(label: Any) -> str:
    """A label (plain text or {zh, en}) in the page language."""
    return pick(label, current_lang())


def ui(key: str, /, **params: Any) -> str:
    return UI.format(key, current_lang(), **params)


def lang_url(endpoint: str, **values: Any) -> str:
    """`url_for` that keeps the page language."""
    lang = current_lang()
    if lang != DEFAULT_LANG:
        values.setdefault("lang", lang)
    return url_for(endpoint, **values)


def switch_url() -> str:
    """This page in the other language."""
    return request.path if current_lang() == "en" else f"{request.path}?lang=en"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(t=text, _=ui, lang_url=lang_url, switch_url=switch_url)
    app.context_processor(lambda: {"lang": current_lang(),
                                   "html_lang": HTML_LANG[current_lang()]})
