"""The users API of examples/users_api, on Python's standard library alone: asyncio streams for
the server, json for the bodies, a dict for the table. FastAPI would write the routes as
decorators (users_api's app.rs quotes that version); without it, this is what FastAPI and uvicorn
do underneath: read a request head, route on method and path, validate, await the database, write
the answer.

    python3 examples/python/users_api.py [--port N] [--db-delay-ms N]

GET /users?limit=&offset=, GET /users/{id}, POST /users (201, or 422 with FastAPI's detail list),
DELETE /users/{id} (204), 404 and 405 as FastAPI gives them. HTTP/1.1 keep-alive, one request at
a time per connection; a body by Content-Length only.
"""

import asyncio
import json
import sys

USERS = {
    1: {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"},
    2: {"id": 2, "name": "Grace Hopper", "email": "grace@example.com"},
    3: {"id": 3, "name": "Guido van Rossum", "email": "guido@example.com"},
    4: {"id": 4, "name": 'Zoë "Zed" Ng', "email": "zoe@example.com"},
    5: {"id": 5, "name": "Linus Torvalds", "email": "linus@example.com"},
}
NEXT_ID = [6]
DB_DELAY = [0.0]
REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed", 413: "Content Too Large", 422: "Unprocessable Entity"}


async def database_call():
    if DB_DELAY[0]:
        await asyncio.sleep(DB_DELAY[0])        # the round trip to a database server


def int_error(where, name, text):
    return {"type": "int_parsing", "loc": [where, name],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": text}


def parse_query(query):
    params = {}
    for pair in filter(None, query.split("&")):
        name, _, value = pair.partition("=")
        params[name] = value                    # repeated: the last one counts
    return params


def page(params):
    errors, values = [], {}
    for name, default, most in (("limit", 100, 1000), ("offset", 0, None)):
        text = params.get(name)
        if text is None:
            values[name] = default
            continue
        try:
            value = int(text)
        except ValueError:
            errors.append(int_error("query", name, text))
            continue
        if value < 0:
            errors.append({"type": "greater_than_equal", "loc": ["query", name],
                           "msg": "Input should be greater than or equal to 0", "input": text,
                           "ctx": {"ge": 0}})
        elif most is not None and value > most:
            errors.append({"type": "less_than_equal", "loc": ["query", name],
                           "msg": f"Input should be less than or equal to {most}", "input": text,
                           "ctx": {"le": most}})
        values[name] = value
    return values, errors


def new_user(body):
    try:
        data = json.loads(body)
    except ValueError:
        return None, [{"type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error",
                       "input": {}, "ctx": {"error": "Expecting value"}}]
    if not isinstance(data, dict):
        return None, [{"type": "model_attributes_type", "loc": ["body"],
                       "msg": "Input should be a valid dictionary or object to extract fields from",
                       "input": data}]
    errors = []
    for field in ("name", "email"):
        if field not in data:
            errors.append({"type": "missing", "loc": ["body", field], "msg": "Field required",
                           "input": data})
        elif not isinstance(data[field], str):
            errors.append({"type": "string_type", "loc": ["body", field],
                           "msg": "Input should be a valid string", "input": data[field]})
    return (None, errors) if errors else ({"name": data["name"], "email": data["email"]}, [])


async def route(method, target, body):
    """The endpoints: (status, JSON document or None)."""
    path, _, query = target.partition("?")
    if path == "/users":
        if method in ("GET", "HEAD"):
            values, errors = page(parse_query(query))
            if errors:
                return 422, {"detail": errors}
            await database_call()
            users = sorted(USERS.values(), key=lambda u: u["id"])
            return 200, users[values["offset"]:values["offset"] + values["limit"]]
        if method == "POST":
            user, errors = new_user(body)
            if errors:
                return 422, {"detail": errors}
            await database_call()
            user = {"id": NEXT_ID[0], **user}
            NEXT_ID[0] += 1
            USERS[user["id"]] = user
            return 201, user
        return 405, {"detail": "Method Not Allowed"}
    if path.startswith("/users/") and "/" not in path[len("/users/"):] and path != "/users/":
        text = path[len("/users/"):]
        if method not in ("GET", "HEAD", "DELETE"):
            return 405, {"detail": "Method Not Allowed"}
        try:
            user_id = int(text)
        except ValueError:
            return 422, {"detail": [int_error("path", "user_id", text)]}
        await database_call()
        if method == "DELETE":
            return (204, None) if USERS.pop(user_id, None) else (404, {"detail": "User not found"})
        user = USERS.get(user_id)
        return (200, user) if user else (404, {"detail": "User not found"})
    return 404, {"detail": "Not Found"}


async def serve_connection(reader, writer):
    """One client: requests, one after another, until it closes (uvicorn's job, with h11's)."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, target, version = request_line.split(" ", 2)
            headers = {}
            for line in filter(None, header_lines):
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if length > 1024 * 1024:
                status, document = 413, {"detail": "the request body is too large"}
                body, closing = b"", True
            else:
                body = await reader.readexactly(length)
                status, document = await route(method, target, body)
                closing = headers.get("connection", "").lower() == "close"
            payload = b"" if document is None else json.dumps(
                document, ensure_ascii=False, separators=(",", ":")).encode()
            lines = [f"HTTP/1.1 {status} {REASONS[status]}"]
            if status != 204:
                lines += ["content-type: application/json", f"content-length: {len(payload)}"]
            if closing:
                lines.append("connection: close")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            if method != "HEAD":
                writer.write(payload)
            await writer.drain()
            if closing:
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass                                    # the client left, or sent what is not HTTP
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(serve_connection, "127.0.0.1", port)
    print(f"listening on http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    args = sys.argv[1:]
    port = int(args[args.index("--port") + 1]) if "--port" in args else 8000
    if "--db-delay-ms" in args:
        DB_DELAY[0] = int(args[args.index("--db-delay-ms") + 1]) / 1000
    try:
        asyncio.run(main(port))
    except KeyboardInterrupt:
        pass
