"""The sandbox itself: fixtures, knobs, the limits the real APIs enforce, its HTML view and its process."""

import json
import subprocess
import sys
import time

import facebook
import pytest
import requests

from publishing.channels.facebook import GraphAPI
from tests.sandbox import free_port

pytestmark = pytest.mark.django_db(databases=[])


def test_accounts_are_listed_the_way_they_are_created(sandbox):
    created = sandbox.account("x", "Embassy in Chile", username="embchile")
    listed = requests.get(f"{sandbox.url}/_sandbox/accounts", params={"network": "x"}, timeout=10).json()["data"]
    assert listed == [created]
    assert {"id", "network", "name", "access_token", "refresh_token"} <= set(created)


def test_html_view_shows_each_account_and_what_went_out(sandbox):
    page = sandbox.account("facebook", "Embassy in Peru")
    channel_post = requests.post(
        f"{sandbox.url}/v25.0/{page['id']}/feed",
        data={"message": "Hola <Lima>", "access_token": page["access_token"]},
        timeout=10,
    ).json()
    index = requests.get(f"{sandbox.url}/_sandbox/", timeout=10).text
    assert "Embassy in Peru" in index
    detail = requests.get(f"{sandbox.url}/_sandbox/accounts/{page['id']}", timeout=10).text
    assert "Hola &lt;Lima&gt;" in detail and channel_post["id"] in detail


def test_a_removed_insights_metric_fails_the_whole_call(sandbox):
    page = sandbox.account("facebook", "Embassy in Oslo")
    graph = GraphAPI(page["access_token"], session=requests.Session(), timeout=10)
    post = graph.put_object(page["id"], "feed", message="Metrics")
    with pytest.raises(facebook.GraphAPIError) as caught:
        graph.get_connections(post["id"], "insights", metric="post_media_view,post_impressions")
    assert caught.value.code == 100 and "valid insights metric" in caught.value.message
    ok = graph.get_connections(post["id"], "insights", metric="post_media_view,post_clicks")
    assert [m["name"] for m in ok["data"]] == ["post_media_view", "post_clicks"]


def test_graph_batch_holds_at_most_50_operations(sandbox):
    page = sandbox.account("facebook", "Embassy in Rome")
    graph = GraphAPI(page["access_token"], session=requests.Session(), timeout=10)
    operations = [{"method": "GET", "relative_url": page["id"]}] * 51
    with pytest.raises(facebook.GraphAPIError):
        graph.request(graph.version, post_args={"batch": json.dumps(operations)})
    answers = graph.request(graph.version, post_args={"batch": json.dumps(operations[:50])})
    assert len(answers) == 50 and all(a["code"] == 200 for a in answers)
    assert json.loads(answers[0]["body"])["name"] == "Embassy in Rome"


def test_x_lookup_takes_at_most_100_ids(sandbox):
    user = sandbox.account("x", "Embassy in Lima")
    headers = {"Authorization": f"Bearer {user['access_token']}"}
    too_many = requests.get(
        f"{sandbox.url}/2/tweets", params={"ids": ",".join(map(str, range(101)))}, headers=headers, timeout=10
    )
    assert too_many.status_code == 400
    partial = requests.get(f"{sandbox.url}/2/tweets", params={"ids": "12345"}, headers=headers, timeout=10)
    assert partial.status_code == 200 and partial.json()["errors"][0]["resource_id"] == "12345"
    assert partial.headers["x-rate-limit-limit"] == "5000"


def test_latency_knob_slows_every_api_call(sandbox):
    user = sandbox.account("x", "Embassy in Quito")
    sandbox.faults(latency_ms=150)
    started = time.monotonic()
    requests.get(f"{sandbox.url}/2/users/me", headers={"Authorization": f"Bearer {user['access_token']}"}, timeout=10)
    assert time.monotonic() - started >= 0.14


def test_unknown_fault_kind_is_refused_with_a_reason(sandbox):
    answer = requests.post(f"{sandbox.url}/_sandbox/faults", json={"rates": {"gremlins": 0.5}}, timeout=10)
    assert answer.status_code == 400 and "gremlins" in answer.json()["error"]


def test_sandbox_runs_as_its_own_process_with_faults_from_the_environment(tmp_path):
    port = free_port()
    env = {"SANDBOX_FAULTS": json.dumps({"rates": {"transient": 1.0}}), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [sys.executable, "-m", "publishing.sandbox", "--port", str(port), "--state", str(tmp_path / "s.sqlite3")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                created = requests.post(f"{url}/_sandbox/accounts", json={"network": "x", "name": "E"}, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        me = requests.get(
            f"{url}/2/users/me", headers={"Authorization": f"Bearer {created.json()['access_token']}"}, timeout=5
        )
        assert me.status_code == 503
    finally:
        process.terminate()
        process.wait(timeout=10)
