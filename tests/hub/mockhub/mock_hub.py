#!/usr/bin/python3
"""A loopback stand-in for the Hugging Face Hub and its download CDN, for tests and benchmarks.

Standard library only; run it with Debian's /usr/bin/python3. It serves model repos built from local
Hugging Face model folders (splitting model.safetensors into shards plus model.safetensors.index.json),
on two ports: the Hub API + resolve endpoints, and a "CDN" that serves LFS blobs through signed,
expiring URLs and rejects any request that carries Authorization.

usage:
  mock_hub.py --repo Org/Name=DIR [--gated-repo ID=DIR] [--private-repo ID=DIR] [--dataset-repo ID=DIR]
              [--rename OLD=NEW]
              [--user TOKEN:NAME:TOKEN_DISPLAY_NAME[:approved]] [--shards N] [--page-size N]
              [--extra-models N]

Dataset repos (--dataset-repo) serve DIR's files as they are (no sharding) under /datasets/<id>/resolve/...,
/api/datasets/<id>/revision/<rev> and /api/datasets/<id>/tree/<rev>/<folder> (one folder level, paged).

On start it prints one line `MOCKHUB hub=<port> cdn=<port>` on stdout. It then reads commands on stdin,
one per line, and answers each with one line `REPLY <json>`:
  config <json>   merge fault settings (keys below); `config {}` just answers
  reset           clear faults and the request log
  log             the request log: [{server, method, path, headers, status, bytes}]
  clearlog        empty the request log
  sign <path>     a fresh signed CDN URL for LFS file <path> of the first repo
  quit            stop
Fault settings:
  ignore_range: bool                       CDN and resolve answer 200 with the whole file to Range requests
  throttle: {path: bytes_per_second}       slow bodies of that file
  drop: [{path, after, times, expire}]     close the connection after `after` body bytes, `times` times;
                                           expire=true also invalidates every signed URL issued so far
  fail: [{where, status, times, headers}]  answer `status` instead (where: whoami, models, info, auth-check,
                                           tree, paths-info, resolve, cdn, dataset-info, dataset-tree)
  url_ttl: seconds                         lifetime of signed URLs (default 3600)
  size_override: {path: size}              advertise another size in siblings and X-Linked-Size
  extra_siblings: [path]                   list extra file names in model info (never served)
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LFS_SUFFIXES = (".safetensors", ".bin", ".model", ".pt", ".gguf", ".pth", ".parquet")


class FileEntry:
    def __init__(self, path, source):
        self.path = path
        self.source = source
        self.size = os.path.getsize(source)
        sha1 = hashlib.sha1(b"blob %d\0" % self.size)
        sha256 = hashlib.sha256()
        with open(source, "rb") as f:
            while True:
                chunk = f.read(1 << 22)
                if not chunk:
                    break
                sha1.update(chunk)
                sha256.update(chunk)
        self.git_oid = sha1.hexdigest()
        self.sha256 = sha256.hexdigest()
        self.is_lfs = path.endswith(LFS_SUFFIXES)
        if self.is_lfs:
            pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n" % (self.sha256, self.size)
            self.pointer_size = len(pointer)
            self.git_oid = hashlib.sha1(b"blob %d\0" % len(pointer) + pointer.encode()).hexdigest()


class Repo:
    def __init__(self, repo_id, kind, files, repo_type="model"):
        self.id = repo_id
        self.kind = kind  # public | gated | private
        self.repo_type = repo_type  # model | dataset
        self.files = {f.path: f for f in files}
        digest = hashlib.sha1(("commit\n" + repo_id).encode())
        for p in sorted(self.files):
            digest.update(("%s %s\n" % (p, self.files[p].git_oid)).encode())
        self.commit = digest.hexdigest()
        self.parameters = count_parameters([f.source for f in files if f.path.endswith(".safetensors")])
        self.downloads = 1000 + len(repo_id)
        self.likes = 10


def read_safetensors_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return n, json.loads(f.read(n))


def count_parameters(paths):
    total = 0
    for p in paths:
        _, header = read_safetensors_header(p)
        for name, t in header.items():
            if name == "__metadata__":
                continue
            count = 1
            for d in t["shape"]:
                count *= d
            total += count
    return total


def split_safetensors(src, out_dir, shards):
    """Writes model-0000i-of-0000N.safetensors + model.safetensors.index.json; returns their names."""
    n, header = read_safetensors_header(src)
    data_start = 8 + n
    tensors = sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0])
    total = sum(v["data_offsets"][1] - v["data_offsets"][0] for _, v in tensors)
    groups = [[] for _ in range(shards)]
    acc = 0
    for name, t in tensors:
        size = t["data_offsets"][1] - t["data_offsets"][0]
        idx = min(shards - 1, acc * shards // max(total, 1))
        groups[idx].append((name, t))
        acc += size
    groups = [g for g in groups if g]
    names = []
    weight_map = {}
    with open(src, "rb") as f:
        for i, group in enumerate(groups):
            shard_name = "model-%05d-of-%05d.safetensors" % (i + 1, len(groups))
            new_header = {"__metadata__": {"format": "pt"}}
            offset = 0
            for name, t in group:
                size = t["data_offsets"][1] - t["data_offsets"][0]
                new_header[name] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [offset, offset + size]}
                offset += size
                weight_map[name] = shard_name
            h = json.dumps(new_header, separators=(",", ":")).encode()
            h += b" " * ((8 - len(h) % 8) % 8)
            with open(os.path.join(out_dir, shard_name), "wb") as out:
                out.write(struct.pack("<Q", len(h)))
                out.write(h)
                for name, t in group:
                    f.seek(data_start + t["data_offsets"][0])
                    out.write(f.read(t["data_offsets"][1] - t["data_offsets"][0]))
            names.append(shard_name)
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    return names + ["model.safetensors.index.json"]


def build_repo(repo_id, kind, src_dir, shards, work_dir, repo_type="model"):
    files = []
    split_dir = tempfile.mkdtemp(prefix="repo-", dir=work_dir)
    for root, dirs, names in os.walk(src_dir):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, src_dir).replace(os.sep, "/")
            if rel == "model.safetensors" and shards > 1:
                for shard in split_safetensors(full, split_dir, shards):
                    files.append(FileEntry(shard, os.path.join(split_dir, shard)))
                continue
            files.append(FileEntry(rel, full))
    return Repo(repo_id, kind, files, repo_type)


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.repos = {}
        self.renames = {}
        self.users = {}
        self.faults = {}
        self.log = []
        self.generation = 0
        self.secret = os.urandom(16)
        self.hub_port = 0
        self.cdn_port = 0
        self.page_size = 2
        self.extra_models = []

    def fault(self, key, default=None):
        with self.lock:
            return self.faults.get(key, default)

    def take_failure(self, where):
        with self.lock:
            for f in self.faults.get("fail", []):
                if f.get("where") == where and f.get("times", 1) > 0:
                    f["times"] = f.get("times", 1) - 1
                    return f
        return None

    def take_drop(self, path):
        with self.lock:
            for d in self.faults.get("drop", []):
                if d.get("path") == path and d.get("times", 1) > 0:
                    d["times"] = d.get("times", 1) - 1
                    return d
        return None

    def sign(self, sha, path):
        with self.lock:
            exp = time.time() + float(self.faults.get("url_ttl", 3600))
            gen = self.generation
        payload = "%s|%s|%.3f|%d" % (sha, path, exp, gen)
        sig = hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()[:32]
        query = urllib.parse.urlencode({"path": path, "exp": "%.3f" % exp, "gen": gen, "sig": sig})
        return "http://127.0.0.1:%d/cdn/%s?%s" % (self.cdn_port, sha, query)

    def find_lfs(self, sha):
        for repo in self.repos.values():
            for f in repo.files.values():
                if f.is_lfs and f.sha256 == sha:
                    return f
        return None


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, a small body on a reused connection waits for
    # the client's delayed ACK (40 ms). Production servers (nginx, CDNs) set TCP_NODELAY too.
    disable_nagle_algorithm = True
    server_name_tag = "hub"

    def log_message(self, fmt, *args):
        pass

    # ---- plumbing ----
    def begin(self):
        self.entry = {"server": self.server_name_tag, "method": self.command, "path": self.path,
                      "headers": {k: v for k, v in self.headers.items()}, "status": None, "bytes": 0}
        with STATE.lock:
            STATE.log.append(self.entry)

    def reply(self, status, body=b"", headers=None, content_type="application/json"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.entry["status"] = status
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
            self.entry["bytes"] = len(body)

    def reply_json(self, status, obj, headers=None):
        self.reply(status, json.dumps(obj), headers)

    def reply_error(self, status, message, code=None, headers=None):
        h = dict(headers or {})
        if code:
            h["X-Error-Code"] = code
        h["X-Error-Message"] = message
        self.reply_json(status, {"error": message}, h)

    def injected(self, where):
        f = STATE.take_failure(where)
        if f is None:
            return False
        self.reply_error(int(f.get("status", 500)), f.get("message", "injected failure"), f.get("code"), f.get("headers"))
        return True

    def token_user(self):
        """(user or None, error) — a bad token is an error even on public repos."""
        auth = self.headers.get("Authorization")
        if not auth:
            return None, None
        token = auth[7:] if auth.startswith("Bearer ") else auth
        user = STATE.users.get(token)
        if user is None:
            return None, (401, "Invalid credentials in Authorization header", None)
        return user, None

    def endpoint(self):
        return "http://127.0.0.1:%d" % STATE.hub_port

    def access_error(self, repo, content):
        user, err = self.token_user()
        if err:
            return err
        if repo.kind == "private" and not (user and user["approved"]):
            return (401 if user is None else 404), "Repository Not Found for url: %s" % self.path, "RepoNotFound"
        if repo.kind == "gated" and content:
            if user is None:
                return 401, ("Access to model %s is restricted. You must have access to it and be authenticated "
                             "to access it. Please log in." % repo.id), "GatedRepo"
            if not user["approved"]:
                return 403, ("Access to model %s is restricted and you are not in the authorized list. Visit "
                             "%s/%s to ask for access." % (repo.id, self.endpoint(), repo.id)), "GatedRepo"
        return None

    def lookup_repo(self, repo_id):
        repo = STATE.repos.get(repo_id)
        if repo is None:
            user, err = self.token_user()
            if err:
                return None, err
            return None, ((401 if user is None else 404), "Repository Not Found for url: %s" % self.path, "RepoNotFound")
        return repo, None

    def send_file_body(self, entry, start, length):
        throttle = (STATE.fault("throttle", {}) or {}).get(entry.path)
        drop = STATE.take_drop(entry.path)
        limit = length if drop is None else min(length, int(drop.get("after", 0)))
        sent = 0
        try:
            with open(entry.source, "rb") as f:
                if throttle is None and drop is None:
                    while sent < length:
                        n = os.sendfile(self.connection.fileno(), f.fileno(), start + sent, length - sent)
                        if n == 0:
                            break
                        sent += n
                else:
                    f.seek(start)
                    chunk = max(1024, int(throttle / 20)) if throttle else 1 << 16
                    while sent < limit:
                        data = f.read(min(chunk, limit - sent))
                        if not data:
                            break
                        self.wfile.write(data)
                        sent += len(data)
                        if throttle:
                            time.sleep(len(data) / float(throttle))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        self.entry["bytes"] = sent
        if drop is not None and sent < length:
            if drop.get("expire"):
                with STATE.lock:
                    STATE.generation += 1
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def serve_range(self, entry, extra_headers):
        size = entry.size
        rng = self.headers.get("Range")
        start, end = 0, size - 1
        partial = False
        if rng and not STATE.fault("ignore_range", False):
            spec = rng.strip()
            if not spec.startswith("bytes="):
                return self.reply_error(400, "bad range")
            a, _, b = spec[6:].partition("-")
            start = int(a) if a else 0
            end = int(b) if b else size - 1
            if start >= size:
                return self.reply(416, b"", dict(extra_headers, **{"Content-Range": "bytes */%d" % size}), None)
            end = min(end, size - 1)
            partial = True
        headers = dict(extra_headers)
        headers["Accept-Ranges"] = "bytes"
        if partial:
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, size)
        length = end - start + 1
        self.send_response(206 if partial else 200)
        self.entry["status"] = 206 if partial else 200
        for k, v in headers.items():
            self.send_header(k, str(v))
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.flush()
            self.send_file_body(entry, start, length)


class HubHandler(Handler):
    server_name_tag = "hub"

    def do_HEAD(self):
        self.begin()
        self.route()

    def do_GET(self):
        self.begin()
        self.route()

    def do_POST(self):
        self.begin()
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        self.route()

    def route(self):
        parts = urllib.parse.urlsplit(self.path)
        path, query = parts.path, urllib.parse.parse_qs(parts.query)
        if path == "/api/whoami-v2":
            return self.whoami()
        if path == "/api/models":
            return self.list_models(query)
        if path.startswith("/api/models/"):
            return self.model_api(path[len("/api/models/"):], query)
        if path.startswith("/api/datasets/"):
            return self.dataset_api(path[len("/api/datasets/"):], query)
        if "/resolve/" in path:
            return self.resolve(path)
        self.reply_error(404, "not found: %s" % path)

    def whoami(self):
        if self.injected("whoami"):
            return
        user, err = self.token_user()
        if err or user is None:
            return self.reply_error(401, "Invalid credentials in Authorization header")
        self.reply_json(200, {
            "type": "user", "id": "64f0" + hashlib.sha1(user["name"].encode()).hexdigest()[:20], "name": user["name"],
            "fullname": user["name"].title(), "email": user["name"] + "@example.com", "emailVerified": True,
            "isPro": False, "canPay": False, "avatarUrl": "/avatars/%s.svg" % user["name"],
            "orgs": [{"name": "mock-org", "fullname": "Mock Org", "avatarUrl": "/avatars/org.svg"}],
            "auth": {"type": "access_token",
                     "accessToken": {"displayName": user["display"], "role": "read", "createdAt": "2024-01-01T00:00:00.000Z"}},
        })

    def model_summary(self, repo):
        return {"_id": repo.commit[:24], "id": repo.id, "modelId": repo.id, "downloads": repo.downloads, "likes": repo.likes,
                "gated": {"gated": "manual"}.get(repo.kind, False), "private": repo.kind == "private",
                "lastModified": "2024-05-01T12:00:00.000Z", "createdAt": "2024-01-01T00:00:00.000Z",
                "trendingScore": repo.likes, "pipeline_tag": "text-generation", "library_name": "transformers",
                "safetensors": {"parameters": {"F32": repo.parameters}, "total": repo.parameters}}

    def list_models(self, query):
        if self.injected("models"):
            return
        _, err = self.token_user()
        if err:
            return self.reply_error(err[0], err[1], err[2])
        items = [self.model_summary(r) for r in STATE.repos.values()
                 if r.kind != "private" and r.repo_type == "model"] + list(STATE.extra_models)
        search = (query.get("search") or [""])[0].lower()
        author = (query.get("author") or [""])[0]
        if search:
            items = [m for m in items if search in m["id"].lower()]
        if author:
            items = [m for m in items if m["id"].startswith(author + "/")]
        sort = (query.get("sort") or ["downloads"])[0]
        items.sort(key=lambda m: (m.get(sort) or 0, m["id"]), reverse=True)
        limit = int((query.get("limit") or [str(len(items))])[0])
        items = items[:limit]
        offset = 0
        if query.get("cursor"):
            offset = int(base64.urlsafe_b64decode(query["cursor"][0].encode()).decode())
        page = items[offset:offset + STATE.page_size]
        headers = {}
        if offset + STATE.page_size < len(items):
            q = {k: v for k, v in query.items() if k != "cursor"}
            q["cursor"] = [base64.urlsafe_b64encode(str(offset + STATE.page_size).encode()).decode()]
            headers["Link"] = '<%s/api/models?%s>; rel="next"' % (self.endpoint(), urllib.parse.urlencode(q, doseq=True))
        self.reply_json(200, page, headers)

    def model_api(self, rest, query):
        if rest.endswith("/auth-check"):
            repo_id, action, tail = rest[:-len("/auth-check")], "auth-check", ""
        else:
            action, tail = "info", ""
            repo_id = rest
            for marker, name in (("/revision/", "info"), ("/tree/", "tree"), ("/paths-info/", "paths-info")):
                if marker in rest:
                    repo_id, tail = rest.split(marker, 1)
                    action = name
                    break
        repo_id = urllib.parse.unquote(repo_id)
        if self.injected(action):
            return
        if repo_id in STATE.renames:
            return self.reply(307, "", {"Location": "/api/models/" + rest.replace(repo_id, STATE.renames[repo_id], 1)})
        repo, err = self.lookup_repo(repo_id)
        if err:
            return self.reply_error(err[0], err[1], err[2])
        err = self.access_error(repo, content=(action != "info"))
        if err:
            return self.reply_error(err[0], err[1], err[2])
        if action == "auth-check":
            return self.reply_json(200, {})
        rev_raw, _, sub = tail.partition("/")
        rev = urllib.parse.unquote(rev_raw) if tail else "main"
        if rev not in ("main", repo.commit):
            return self.reply_error(404, "Invalid rev id: %s" % rev, "RevisionNotFound")
        if action == "info":
            return self.model_info(repo, query)
        if action == "tree":
            return self.tree(repo, urllib.parse.unquote(sub), query)
        return self.paths_info(repo)

    def sibling(self, repo, f, blobs):
        s = {"rfilename": f.path}
        if blobs:
            size = (STATE.fault("size_override", {}) or {}).get(f.path, f.size)
            s.update({"size": size, "blobId": f.git_oid})
            if f.is_lfs:
                s["lfs"] = {"sha256": f.sha256, "size": size, "pointerSize": f.pointer_size}
        return s

    def model_info(self, repo, query):
        blobs = (query.get("blobs") or ["false"])[0] == "true"
        info = self.model_summary(repo)
        config = {}
        cfg = repo.files.get("config.json")
        if cfg is not None:
            with open(cfg.source) as fh:
                c = json.load(fh)
            config = {"architectures": c.get("architectures"), "model_type": c.get("model_type")}
        info.update({"sha": repo.commit, "disabled": False, "tags": ["transformers", "safetensors", "llama", "license:mit"],
                     "config": config, "cardData": {"license": "mit"},
                     "siblings": [self.sibling(repo, f, blobs) for f in sorted(repo.files.values(), key=lambda x: x.path)]
                     + [{"rfilename": p} for p in STATE.fault("extra_siblings", []) or []],
                     "usedStorage": sum(f.size for f in repo.files.values())})
        self.reply_json(200, info)

    def tree_entry(self, f):
        e = {"type": "file", "oid": f.git_oid, "size": f.size, "path": f.path}
        if f.is_lfs:
            e["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": f.pointer_size}
        return e

    def tree(self, repo, prefix, query):
        entries = [self.tree_entry(f) for p, f in sorted(repo.files.items()) if not prefix or p.startswith(prefix + "/")]
        self.tree_page(entries, query)

    def tree_page(self, entries, query):
        offset = int((query.get("cursor") or ["0"])[0])
        page = entries[offset:offset + STATE.page_size]
        headers = {}
        if offset + STATE.page_size < len(entries):
            q = {k: v for k, v in query.items() if k != "cursor"}
            q["cursor"] = [str(offset + STATE.page_size)]
            headers["Link"] = '<%s%s?%s>; rel="next"' % (self.endpoint(), urllib.parse.urlsplit(self.path).path,
                                                         urllib.parse.urlencode(q, doseq=True))
        self.reply_json(200, page, headers)

    def paths_info(self, repo):
        body = getattr(self, "body", b"")
        try:
            paths = json.loads(body).get("paths", [])
        except ValueError:
            paths = urllib.parse.parse_qs(body.decode()).get("paths", [])
        self.reply_json(200, [self.tree_entry(repo.files[p]) for p in paths if p in repo.files])

    def dataset_api(self, rest, query):
        action, marker = "dataset-info", "/revision/"
        if "/tree/" in rest:
            action, marker = "dataset-tree", "/tree/"
        repo_part, _, tail = rest.partition(marker)
        if self.injected(action):
            return
        repo, err = self.lookup_repo("datasets/" + urllib.parse.unquote(repo_part))
        if err:
            return self.reply_error(err[0], err[1], err[2])
        err = self.access_error(repo, content=(action != "dataset-info"))
        if err:
            return self.reply_error(err[0], err[1], err[2])
        rev_raw, _, sub = tail.partition("/")
        rev = urllib.parse.unquote(rev_raw) if tail else "main"
        if rev not in ("main", repo.commit):
            return self.reply_error(404, "Invalid rev id: %s" % rev, "RevisionNotFound")
        if action == "dataset-info":
            return self.reply_json(200, {"_id": repo.commit[:24], "id": repo.id[len("datasets/"):], "sha": repo.commit,
                                         "private": repo.kind == "private", "gated": False, "disabled": False,
                                         "siblings": [{"rfilename": p} for p in sorted(repo.files)]})
        return self.dataset_tree(repo, urllib.parse.unquote(sub).strip("/"), query)

    def dataset_tree(self, repo, folder, query):
        """One folder level, as the Hub lists it: files and sub-folders, sorted by path, paged with Link."""
        prefix = folder + "/" if folder else ""
        entries, seen_dirs = [], set()
        for p, f in sorted(repo.files.items()):
            if not p.startswith(prefix):
                continue
            rest = p[len(prefix):]
            if "/" in rest:
                d = prefix + rest.split("/", 1)[0]
                if d not in seen_dirs:
                    seen_dirs.add(d)
                    entries.append({"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0, "path": d})
            else:
                entries.append(self.tree_entry(f))
        if folder and not entries:
            return self.reply_error(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": repo.commit})
        entries.sort(key=lambda e: e["path"])
        self.tree_page(entries, query)

    def resolve(self, path):
        repo_part, _, rest = path.partition("/resolve/")
        repo_id = urllib.parse.unquote(repo_part.lstrip("/"))
        rev_raw, _, file_raw = rest.partition("/")
        rev, file_path = urllib.parse.unquote(rev_raw), urllib.parse.unquote(file_raw)
        if self.injected("resolve"):
            return
        if repo_id in STATE.renames:
            # A renamed repo answers with a relative redirect to its new name.
            return self.reply(307, "", {"Location": "/%s/resolve/%s/%s" % (STATE.renames[repo_id], rev_raw, file_raw)})
        repo, err = self.lookup_repo(repo_id)
        if err:
            return self.reply_error(err[0], err[1], err[2])
        err = self.access_error(repo, content=True)
        if err:
            return self.reply_error(err[0], err[1], err[2])
        if rev not in ("main", repo.commit):
            return self.reply_error(404, "Invalid rev id: %s" % rev, "RevisionNotFound")
        entry = repo.files.get(file_path)
        if entry is None:
            return self.reply_error(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": repo.commit})
        headers = {"X-Repo-Commit": repo.commit}
        if entry.is_lfs:
            size = (STATE.fault("size_override", {}) or {}).get(entry.path, entry.size)
            location = STATE.sign(entry.sha256, entry.path)
            headers.update({"ETag": '"%s"' % entry.git_oid, "X-Linked-Etag": '"%s"' % entry.sha256,
                            "X-Linked-Size": size, "Location": location})
            # The redirect body's length must never be taken for the file size.
            return self.reply(302, "Found. Redirecting to %s" % location, headers, "text/plain; charset=utf-8")
        headers["ETag"] = '"%s"' % entry.git_oid
        self.serve_range(entry, headers)


class CdnHandler(Handler):
    server_name_tag = "cdn"

    def do_HEAD(self):
        self.begin()
        self.serve()

    def do_GET(self):
        self.begin()
        self.serve()

    def serve(self):
        parts = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
        if self.injected("cdn"):
            return
        if self.headers.get("Authorization"):
            return self.reply(400, "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed"
                                   "</Message></Error>", None, "application/xml")
        sha = parts.path[len("/cdn/"):] if parts.path.startswith("/cdn/") else ""
        entry = STATE.find_lfs(sha)
        try:
            payload = "%s|%s|%s|%d" % (sha, query.get("path", ""), query.get("exp", ""), int(query.get("gen", "-1")))
        except ValueError:
            payload = ""
        sig = hmac.new(STATE.secret, payload.encode(), hashlib.sha256).hexdigest()[:32]
        if entry is None or not hmac.compare_digest(sig, query.get("sig", "")):
            return self.reply(403, "<Error><Code>AccessDenied</Code></Error>", None, "application/xml")
        with STATE.lock:
            generation = STATE.generation
        if time.time() > float(query["exp"]) or int(query["gen"]) < generation:
            return self.reply(403, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                              None, "application/xml")
        self.serve_range(entry, {"ETag": '"%s"' % sha})


def start_server(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def parse_pair(text):
    key, sep, value = text.partition("=")
    if not sep:
        raise SystemExit("expected NAME=VALUE, got %r" % text)
    return key, value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", action="append", default=[])
    ap.add_argument("--gated-repo", action="append", default=[])
    ap.add_argument("--private-repo", action="append", default=[])
    ap.add_argument("--dataset-repo", action="append", default=[])
    ap.add_argument("--rename", action="append", default=[])
    ap.add_argument("--user", action="append", default=[])
    ap.add_argument("--shards", type=int, default=3)
    ap.add_argument("--page-size", type=int, default=2)
    ap.add_argument("--extra-models", type=int, default=0)
    args = ap.parse_args()

    work_dir = tempfile.mkdtemp(prefix="mockhub-")
    try:
        for kind, specs in (("public", args.repo), ("gated", args.gated_repo), ("private", args.private_repo)):
            for spec in specs:
                repo_id, src = parse_pair(spec)
                STATE.repos[repo_id] = build_repo(repo_id, kind, src, args.shards, work_dir)
        for spec in args.dataset_repo:
            repo_id, src = parse_pair(spec)
            STATE.repos["datasets/" + repo_id] = build_repo("datasets/" + repo_id, "public", src, 1, work_dir, "dataset")
        for spec in args.rename:
            old, new = parse_pair(spec)
            STATE.renames[old] = new
        for spec in args.user:
            fields = spec.split(":")
            STATE.users[fields[0]] = {"name": fields[1], "display": fields[2] if len(fields) > 2 else fields[1],
                                      "approved": len(fields) > 3 and fields[3] == "approved"}
        STATE.page_size = args.page_size
        for i in range(args.extra_models):
            STATE.extra_models.append({"id": "mock-org/tiny-model-%02d" % i, "modelId": "mock-org/tiny-model-%02d" % i,
                                       "downloads": 500 - i, "likes": i, "gated": False,
                                       "lastModified": "2024-02-%02dT00:00:00.000Z" % (i % 28 + 1),
                                       "createdAt": "2024-01-01T00:00:00.000Z", "trendingScore": i,
                                       "pipeline_tag": "text-generation"})
        hub = start_server(HubHandler)
        cdn = start_server(CdnHandler)
        STATE.hub_port = hub.server_address[1]
        STATE.cdn_port = cdn.server_address[1]
        print("MOCKHUB hub=%d cdn=%d" % (STATE.hub_port, STATE.cdn_port), flush=True)

        for line in sys.stdin:
            cmd, _, arg = line.strip().partition(" ")
            if cmd == "config":
                with STATE.lock:
                    STATE.faults.update(json.loads(arg or "{}"))
                reply = {"ok": True}
            elif cmd == "reset":
                with STATE.lock:
                    STATE.faults = {}
                    STATE.log = []
                reply = {"ok": True}
            elif cmd == "log":
                with STATE.lock:
                    reply = list(STATE.log)
            elif cmd == "clearlog":
                with STATE.lock:
                    STATE.log = []
                reply = {"ok": True}
            elif cmd == "sign":
                repo = next(iter(STATE.repos.values()))
                f = repo.files[arg]
                reply = {"url": STATE.sign(f.sha256, f.path), "sha256": f.sha256, "size": f.size,
                         "resolve": "http://127.0.0.1:%d/%s/resolve/main/%s" % (STATE.hub_port, repo.id, f.path)}
            elif cmd == "quit":
                break
            else:
                reply = {"error": "unknown command %r" % cmd}
            sys.stdout.write("REPLY " + json.dumps(reply) + "\n")
            sys.stdout.flush()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
