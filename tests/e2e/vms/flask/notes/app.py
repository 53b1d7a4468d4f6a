"""Team Notes: a tiny Flask app that keeps notes and a hit counter in Redis."""

import html
import os

import redis
from flask import Flask, jsonify, redirect, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"), decode_responses=True)


@app.get("/")
def index():
    hits = store.incr("hits")
    notes = store.lrange("notes", 0, -1)
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        "<!DOCTYPE html><html><head><title>Team Notes</title></head><body>"
        f"<h1>Team Notes</h1><p>Visits: {hits}</p><ul>{items}</ul>"
        '<form method="post" action="/notes"><input name="text"><button>Add</button></form>'
        "</body></html>"
    )


@app.post("/notes")
def add_note():
    text = request.form.get("text", "").strip()
    if not text:
        return "text required", 400
    store.rpush("notes", text)
    return redirect("/", code=303)


@app.get("/api/notes")
def api_notes():
    return jsonify(notes=store.lrange("notes", 0, -1))
