"""A tiny Flask app run by gunicorn behind nginx for the discovery suites."""

import os

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "<html><head><title>mta hello app</title></head><body>hello from gunicorn</body></html>"


@app.route("/healthz")
def healthz():
    return {"status": "ok", "db": os.environ.get("DATABASE_URL", "").split("@")[-1]}
