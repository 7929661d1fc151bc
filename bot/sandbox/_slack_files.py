"""Files upload v2 in the Slack sandbox: the three steps of slack_sdk's `files_upload_v2`.

1. `files.getUploadURLExternal(filename, length[, alt_txt, snippet_type])` answers an upload URL
   and a file ID (docs.slack.dev/reference/methods/files.getUploadURLExternal).
2. A POST of the bytes to that URL — raw or as a multipart form, as Slack accepts both — answers
   HTTP 200 with `OK - <length>` in text/plain; "a non-200 response indicates a failure". The URL
   here lives on the sandbox (`/upload/v1/<ticket>`), takes exactly the declared length, once.
3. `files.completeUploadExternal(files=[{"id", "title"}][, channel_id | channels,
   initial_comment, thread_ts])` shares the files: a message from the bot in each channel with
   `initial_comment` as its text. Unknown, unfinished or already completed tickets answer
   `file_not_found` ("Could not find the file from the upload ticket"); a bad channel
   `channel_not_found`, one the bot is not in `not_in_channel`
   (docs.slack.dev/reference/methods/files.completeUploadExternal). It can be called once.

Every file keeps the bytes that arrived, so a test can check what was really uploaded.
"""

from __future__ import annotations

import json
import mimetypes
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from bot.sandbox._slack_records import JSON
from bot.sandbox._slack_state import SlackError, Workspace, missing

UPLOAD_PATH = "/upload/v1/{ticket}"
MAX_ALT_TEXT = 1000
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png", "png"), (b"\xff\xd8\xff", "image/jpeg", "jpg"))


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file as the bot uploaded it: what it declared, the bytes that arrived, where it went."""

    id: str
    filename: str
    title: str
    alt_txt: str | None
    length: int  # as declared to files.getUploadURLExternal
    data: bytes  # as POSTed to the upload URL
    mimetype: str
    filetype: str
    channels: tuple[str, ...]  # where completeUploadExternal shared it
    message_ts: tuple[str, ...]  # the share message in each of those channels
    initial_comment: str
    thread_ts: str | None


@dataclass(slots=True)
class _Ticket:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None
    completed: UploadedFile | None = None
    created: float = field(default_factory=time.time)


class FileUploads:
    """Upload tickets and the files shared with them."""

    def __init__(self, workspace: Workspace, *, base_url: Callable[[], str]) -> None:
        self.ws = workspace
        self._base_url = base_url
        self._tickets: dict[str, _Ticket] = {}  # by the upload URL's ticket
        self._by_file: dict[str, _Ticket] = {}
        self.methods: dict[str, Callable[[JSON], JSON]] = {
            "files.getUploadURLExternal": self.get_upload_url_external,
            "files.completeUploadExternal": self.complete_upload_external,
        }

    def files(self) -> list[UploadedFile]:
        """Completed uploads, oldest first."""
        return [t.completed for t in self._by_file.values() if t.completed is not None]

    # --- step 1 ------------------------------------------------------------------------------

    def get_upload_url_external(self, args: JSON) -> JSON:
        filename = args.get("filename")
        if not filename:
            raise missing("filename")
        if args.get("length") in (None, ""):
            raise missing("length")
        try:
            length = int(str(args["length"]))
        except ValueError:
            raise _invalid("must be an integer", "length") from None
        if length < 1:
            raise _invalid("must be greater than 0", "length")
        alt_txt = args.get("alt_txt")
        if isinstance(alt_txt, str) and len(alt_txt) > MAX_ALT_TEXT:
            raise SlackError("alt_txt_too_large")
        ticket = _Ticket(
            file_id=self.ws.short_id("F"),
            filename=str(filename),
            length=length,
            alt_txt=str(alt_txt) if alt_txt else None,
        )
        key = f"{self.ws.team_id}-{ticket.file_id}-{secrets.token_urlsafe(12)}"
        self._tickets[key] = ticket
        self._by_file[ticket.file_id] = ticket
        upload_url = self._base_url() + UPLOAD_PATH.format(ticket=key)
        return {"ok": True, "upload_url": upload_url, "file_id": ticket.file_id}

    # --- step 2 ------------------------------------------------------------------------------

    async def handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL: raw bytes, or the `file` (or `filename`) part of a multipart form."""
        ticket = self._tickets.get(request.match_info["ticket"])
        if ticket is None:
            return web.Response(status=404, text="Not Found", content_type="text/plain")
        if request.content_type.startswith("multipart/"):
            data = await _multipart_file(request)
        else:
            data = await request.read()
        if ticket.data is not None:
            return _refused("this upload URL was already used")
        if data is None or len(data) != ticket.length:
            got = "no file" if data is None else f"{len(data)} bytes"
            return _refused(f"the URL was issued for {ticket.length} bytes; got {got}")
        ticket.data = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    # --- step 3 ------------------------------------------------------------------------------

    def complete_upload_external(self, args: JSON) -> JSON:
        listed = _files_arg(args.get("files"))
        tickets = []
        for item in listed:
            ticket = self._by_file.get(str(item.get("id", "")))
            if ticket is None or ticket.data is None or ticket.completed is not None:
                raise SlackError("file_not_found")
            tickets.append((ticket, item))
        channels = self._channels(args)
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        if thread_ts and len(channels) > 1:
            raise _invalid("only one channel may be given with thread_ts", "channels")
        comment = str(args.get("initial_comment") or "")
        shared: list[str] = []
        for channel in channels:
            if thread_ts is not None:
                self.ws.find_message(channel, thread_ts)  # message_not_found otherwise
            message = self.ws.post_message(
                channel,
                comment,
                [],
                user=self.ws.bot_user_id,
                bot_id=self.ws.bot_id,
                thread_ts=thread_ts,
            )
            shared.append(message.ts)
        answered: list[JSON] = []
        for ticket, item in tickets:
            assert ticket.data is not None  # checked above
            mimetype, filetype = _kind(ticket.filename, ticket.data)
            done = UploadedFile(
                id=ticket.file_id,
                filename=ticket.filename,
                title=str(item.get("title") or ticket.filename),
                alt_txt=ticket.alt_txt,
                length=ticket.length,
                data=ticket.data,
                mimetype=mimetype,
                filetype=filetype,
                channels=tuple(channels),
                message_ts=tuple(shared),
                initial_comment=comment,
                thread_ts=thread_ts,
            )
            ticket.completed = done
            answered.append(self._file_object(done, ticket.created))
        return {"ok": True, "files": answered}

    def _channels(self, args: JSON) -> list[str]:
        named: list[str] = []
        if args.get("channel_id"):
            named.append(str(args["channel_id"]))
        if args.get("channels"):
            named += [c.strip() for c in str(args["channels"]).split(",") if c.strip()]
        channels = []
        for name in dict.fromkeys(named):
            channel = self.ws.resolve_channel(name)  # channel_not_found
            if channel not in self.ws.member_of:
                raise SlackError("not_in_channel")
            channels.append(channel)
        return channels  # none: the file stays private to the bot, as Slack keeps it

    def _file_object(self, done: UploadedFile, created: float) -> JSON:
        url = f"https://files.slack.com/files-pri/{self.ws.team_id}-{done.id}/{done.filename}"
        return {
            "id": done.id,
            "created": int(created),
            "timestamp": int(created),
            "name": done.filename,
            "title": done.title,
            "mimetype": done.mimetype,
            "filetype": done.filetype,
            "user": self.ws.bot_user_id,
            "size": len(done.data),
            "mode": "hosted",
            "is_external": False,
            "is_public": bool(done.channels),
            "url_private": url,
            "permalink": f"https://{self.ws.domain}.slack.com/files/{self.ws.bot_user_id}/{done.id}/{done.filename}",
            "alt_txt": done.alt_txt or "",
            "shares": {},  # Slack fills shares in asynchronously; the answer may not have them
        }


def _files_arg(value: object) -> list[JSON]:
    if value in (None, ""):
        raise missing("files")
    parsed: Any = value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise _invalid("must be a JSON array", "files") from None
    if not isinstance(parsed, list) or not parsed:
        raise _invalid("must be a non-empty array", "files")
    if not all(isinstance(item, dict) and item.get("id") for item in parsed):
        raise _invalid("each file needs an id", "files")
    return parsed


async def _multipart_file(request: web.Request) -> bytes | None:
    reader = await request.multipart()
    async for part in reader:
        if isinstance(part, BodyPartReader) and part.name in ("file", "filename"):
            return bytes(await part.read())
    return None


def _kind(filename: str, data: bytes) -> tuple[str, str]:
    for magic, mimetype, filetype in _MAGIC:
        if data.startswith(magic):
            return mimetype, filetype
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return guessed, filename.rsplit(".", 1)[-1].lower() if "." in filename else "binary"


def _refused(reason: str) -> web.Response:
    return web.Response(status=400, text=f"Bad Request - {reason}", content_type="text/plain")


def _invalid(problem: str, arg: str) -> SlackError:
    return SlackError(
        "invalid_arguments",
        response_metadata={"messages": [f"[ERROR] {problem} [json-pointer:/{arg}]"]},
    )
