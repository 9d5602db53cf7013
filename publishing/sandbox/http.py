"""Request and response values the sandbox's handlers share, and body parsing (form, JSON, multipart)."""

import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    json: dict | list | None = None
    base_url: str = ""

    @classmethod
    def parse(cls, *, method: str, path: str, query: str, headers: dict[str, str], body: bytes, base_url: str):
        request = cls(
            method=method,
            path=path,
            query={k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
            base_url=base_url,
        )
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            request.form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        elif content_type.startswith("application/json") and body:
            request.json = json.loads(body)
        elif content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if part.get_filename() is not None:
                    request.files[name] = payload
                else:
                    request.form[name] = payload.decode()
        return request

    def param(self, name: str, default: str = "") -> str:
        return self.form.get(name, self.query.get(name, default))

    def bearer(self) -> str:
        auth = self.headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data, headers: dict[str, str] | None = None) -> "Response":
        return cls(
            status,
            json.dumps(data, ensure_ascii=False).encode(),
            {"Content-Type": "application/json; charset=UTF-8", **(headers or {})},
        )

    @classmethod
    def html(cls, status: int, html: str) -> "Response":
        return cls(status, html.encode(), {"Content-Type": "text/html; charset=utf-8"})

    @classmethod
    def redirect(cls, location: str) -> "Response":
        return cls(302, b"", {"Location": location, "Content-Type": "text/plain"})


class Drop(Exception):
    """Cut the connection without answering: the request's work is done, its answer is lost."""


class HttpError(Exception):
    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response
