"""The load of bench/load.py, for locust: citizens view pages, get live updates as they type
and submit; clerks open the workbench, and claim and complete tasks. Run by bench/load.py
against a server on 127.0.0.1; not meant to be pointed anywhere else."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import requests
from locust import HttpUser, constant_throughput, task

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="_version" value="([0-9]+)"')
BIRTH = {
    "child_name": "王小明", "child_gender": "M",
    "birth_date": (date.today() - timedelta(days=3)).isoformat(),  # within the month allowed
    "hospital": "市妇幼保健院", "mother_name": "李丽", "mother_id": "11010519491231002x",
    "contact_mobile": "138 1234 5678", "residence": "110105", "enrol_insurance": "true",
    "need_ss_card": "false",
}
CLERK, PASSWORD = "clerk_govsvc", "lowcode2025"


def _found(pattern: re.Pattern[str], page: str) -> str:
    found = pattern.search(page)
    return found.group(1) if found else ""


class Citizen(HttpUser):
    """A citizen or enterprise: the catalogue, the birth form, live updates, submissions."""

    weight = 3
    wait_time = constant_throughput(1)

    def on_start(self) -> None:
        page = self.client.get("/forms/birth_apply", name="page: form").text
        self.token, self.version = _found(TOKEN, page), _found(VERSION, page)

    @task(3)
    def catalogue(self) -> None:
        self.client.get("/services", name="page: services")

    @task(2)
    def form(self) -> None:
        self.client.get("/forms/birth_apply", name="page: form")

    @task(4)
    def live_update(self) -> None:
        self.client.post("/forms/birth_apply/state", name="live update",
                         data={**BIRTH, "csrf_token": self.token, "_version": self.version},
                         headers={"HX-Request": "true", "HX-Trigger-Name": "mother_id",
                                  "X-CSRFToken": self.token})

    @task(2)
    def submit(self) -> None:
        self.client.post("/api/forms/kill_apply/submissions", name="submit",
                         json={"data": {"applicant": "申请人"},
                               "idempotency_key": uuid.uuid4().hex})


class Clerk(HttpUser):
    """A clerk of the service centre: the workbench, and each new case's first task claimed
    and completed."""

    weight = 1
    wait_time = constant_throughput(1)

    def on_start(self) -> None:
        # Signing in hashes the password with scrypt on purpose (about 0.1 s): done once per
        # user outside the measured mix, with a plain session whose cookie the user takes.
        plain = requests.Session()
        page = plain.get(f"{self.host}/auth/login", timeout=30).text
        plain.post(f"{self.host}/auth/login", timeout=30, allow_redirects=False,
                   data={"username": CLERK, "password": PASSWORD,
                         "csrf_token": _found(TOKEN, page)})
        self.client.cookies.update(plain.cookies)
        self.token = _found(TOKEN, self.client.get("/work/tasks", name="page: workbench").text)

    @task(2)
    def workbench(self) -> None:
        self.client.get("/work/tasks", name="page: workbench")

    @task(3)
    def handle_a_case(self) -> None:
        made = self.client.post("/api/forms/kill_apply/submissions", name="submit",
                                json={"data": {"applicant": "申请人"},
                                      "idempotency_key": uuid.uuid4().hex})
        if made.status_code != 201:
            return
        tracking = made.json()["tracking_no"]
        for action, form in (("claim", {}), ("complete", {"outcome": "approve"})):
            with self.client.post(f"/work/tasks/{tracking}/1/{action}", data=form,
                                  name=f"action: {action}", allow_redirects=False,
                                  headers={"X-CSRFToken": self.token},
                                  catch_response=True) as response:
                if response.status_code != 303:
                    response.failure(f"{action} answered {response.status_code}")
                    return
