"""The example's web front (Python's http.server): enqueues tasks over HTTP and returns their results.

POST /greet?name=Ada          runs webapp.tasks.greet, waits for it, returns its result
POST /reports?mib=200         queues webapp.tasks.build_report on the reports queue, returns its task id (202)
GET  /tasks/<id>              a task's state and result
GET  /heartbeats              how many periodic runs beat has caused, and the last one
"""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import redis

from webapp.tasks import HEARTBEATS, app

PORT = int(os.environ.get("PORT", "8000"))
REPORTS_QUEUE = os.environ.get("REPORTS_QUEUE", "reports")
WAIT_SECONDS = 30


class Handler(BaseHTTPRequestHandler):
    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/greet":
            result = app.send_task("webapp.tasks.greet", args=[query.get("name", ["world"])[0]])
            try:
                return self._reply(200, {"task_id": result.id, "result": result.get(timeout=WAIT_SECONDS)})
            except Exception as e:  # the task's error or a timeout: say which, keep serving
                return self._reply(502, {"task_id": result.id, "error": f"{type(e).__name__}: {e}"})
        if url.path == "/reports":
            mib = int(query.get("mib", ["200"])[0])
            result = app.send_task("webapp.tasks.build_report", args=[mib], queue=REPORTS_QUEUE)
            return self._reply(202, {"task_id": result.id, "status": f"/tasks/{result.id}"})
        return self._reply(404, {"error": f"no route POST {url.path}"})

    def do_GET(self):
        url = urlparse(self.path)
        if url.path.startswith("/tasks/"):
            result = app.AsyncResult(url.path[len("/tasks/"):])
            ready = result.ready()
            body = {"task_id": result.id, "state": result.state}
            if ready:
                body["result"] = result.result if result.successful() else repr(result.result)
            return self._reply(200, body)
        if url.path == "/heartbeats":
            runs = [json.loads(r) for r in redis.Redis.from_url(app.conf.broker_url).lrange(HEARTBEATS, 0, -1)]
            return self._reply(200, {"count": len(runs), "last": runs[-1] if runs else None, "runs": runs[-20:]})
        if url.path == "/healthz":
            return self._reply(200, {"ok": True})
        return self._reply(404, {"error": f"no route GET {url.path}"})


if __name__ == "__main__":
    print(f"webapp listening on :{PORT}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
