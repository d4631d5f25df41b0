"""One error shape for HTML and JSON: `{"error": {"code", "message", "status"}}`, and, when
the request's data had errors (the forms API's 422), `"fields"`: the errors by path, the same
dict a form page shows beside its inputs.

JSON for the API and for clients that prefer it; otherwise `pages/error.html` shows the same
code and message. A test pins the two to each other.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from runtime.i18n import Catalogue
from runtime.store.db import is_busy
from runtime.web.lang import current_lang

MESSAGES = Catalogue({
    "bad_request": ("请求有误", "bad request"),
    "not_found": ("页面或资源不存在", "not found"),
    "method_not_allowed": ("不支持此请求方法", "method not allowed"),
    "request_too_large": ("请求内容过大，超过了允许的上限",
                          "the request is larger than the limit"),
    "internal_error": ("服务器内部错误，请稍后再试", "internal server error; please try again"),
    "http_error": ("请求未能完成", "the request could not be completed"),
    "definition_not_found": ("找不到定义 {kind} '{id}'", "no definition {kind} '{id}'"),
    "version_not_found": ("找不到定义 {kind} '{id}' 的第 {version} 版",
                          "no version {version} of definition {kind} '{id}'"),
    "bad_version": ("version 必须是正整数，实际为 '{value}'",
                    "version must be a positive integer, got '{value}'"),
    "json_required": ("请以 JSON 提交（Content-Type: application/json）",
                      "send JSON (Content-Type: application/json)"),
    "bad_submission": ("请求体应为 {{\"data\": {{...}}}} 形式的 JSON 对象",
                       "the body must be a JSON object like {{\"data\": {{...}}}}"),
    "too_deep": ("请求的 JSON 嵌套超过 {limit} 层",
                 "the request's JSON nests deeper than {limit} levels"),
    "invalid_submission": ("提交的数据有 {n} 处问题", "the submission has {n} problem(s)"),
    "audience_citizens": ("此事项仅限已登录的个人用户办理",
                          "only signed-in persons may use this service"),
    "audience_enterprises": ("此事项仅限已登录的企业用户办理",
                             "only signed-in enterprises may use this service"),
    "audience_staff": ("此表单仅限相关部门工作人员填写",
                       "only staff of the departments concerned may use this form"),
    "database_unavailable": ("数据库暂时无法访问，请稍后再试",
                             "the database is unavailable; please try again shortly"),
    "database_busy": ("系统繁忙，未保存任何内容，请稍后重试",
                      "the system is busy; nothing was saved; please try again shortly"),
    "key_reused": ("此 idempotency_key 已用于内容不同的一次提交，本次未保存",
                   "this idempotency_key was used for a submission with other data; "
                   "nothing was stored"),
    "batch_form": ("请给出可以批量发起的事项（form），实际为 '{form}'",
                   "give a service you may start in a batch (form), got '{form}'"),
    "batch_list": ("请上传名单文件（list，.csv 或 .xlsx，不超过 5 MB），或以 JSON 给出 rows 列表",
                   "upload a list file (list: .csv or .xlsx, at most 5 MB), or give rows as "
                   "JSON"),
    "batch_bad_list": ("名单无法读取：{reason}", "the list cannot be read: {reason}"),
    "batch_refused": ("未发起任何案件：{count} 行不合格，各行问题见 fields",
                      "nothing started: {count} row(s) refused; see fields for each row"),
    "csrf_failed": ("页面已过期或请求来源无法确认，请刷新页面后重试",
                    "the page expired or the request's origin could not be confirmed; "
                    "reload the page and try again"),
})

JSON_PATHS = ("/api/", "/healthz")
BUSY_RETRY_AFTER = 2  # seconds a client waits after a 503 for a busy database
CODE_BY_STATUS = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                  413: "request_too_large", 500: "internal_error"}
RETRY_AFTER_SECONDS = 5


class AppError(Exception):
    """An error for the client: an HTTP status and a message code with its parameters."""

    def __init__(self, status: int, code: str, *,
                 fields: dict[str, list[str]] | None = None, **params: Any):
        super().__init__(code)
        self.status, self.code, self.params, self.fields = status, code, params, fields


def error_body(code: str, message: str, status: int,
               fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def error_response(status: int, code: str, *, fields: dict[str, list[str]] | None = None,
                   **params: Any) -> tuple[Response | str, int]:
    body = error_body(code, MESSAGES.format(code, current_lang(), **params), status, fields)
    if wants_json():
        return jsonify(body), status
    return render_template("pages/error.html", **body), status


def wants_json() -> bool:
    if request.path.startswith(JSON_PATHS):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _app_error(error: AppError) -> tuple[Response | str, int]:
    return error_response(error.status, error.code, fields=error.fields, **error.params)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = make_response(error_response(status, CODE_BY_STATUS.get(status, "http_error")))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _database_error(error: DBAPIError) -> Response:
    """A database that is busy past its timeout (SQLite's write lock) or cannot be reached
    (down, restarting, the connection cut) is a 503 with Retry-After in the one error shape,
    never a traceback: the request wrote nothing, since its transaction did not commit, and
    the pool reconnects on the next checkout. Any other database error stays a 500."""
    if isinstance(error, OperationalError) and is_busy(error):
        code, retry = "database_busy", BUSY_RETRY_AFTER
    elif isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated:
        current_app.log_exception((type(error), error, error.__traceback__))
        code, retry = "database_unavailable", RETRY_AFTER_SECONDS
    else:
        current_app.log_exception((type(error), error, error.__traceback__))
        return _http_error(InternalServerError())
    response = make_response(error_response(503, code))
    response.headers["Retry-After"] = str(retry)
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(AppError, _app_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
