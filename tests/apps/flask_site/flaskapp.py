"""A small Flask application: text, form and JSON posts, a streamed response, errors."""
import flask
from flask import Flask, Response, abort, jsonify, request, stream_with_context, url_for

app = Flask(__name__)
STREAM_CLOSED = []


@app.get("/")
def index():
    return Response("Hello from Flask", mimetype="text/plain")


@app.post("/form")
def form():
    return jsonify(fields={key: request.form.getlist(key) for key in request.form}, args=request.args.to_dict())


@app.post("/json")
def echo_json():
    payload = request.get_json()
    return jsonify(received=payload, flask=flask.__version__, url=url_for("echo_json", _external=True)), 201


@app.get("/stream")
def stream():
    count = int(request.args.get("count", "5"))

    def generate():
        try:
            for i in range(count):
                yield f"chunk {i} of {request.args.get('count', '5')}\n"
        finally:
            STREAM_CLOSED.append(count)

    return Response(stream_with_context(generate()), mimetype="text/plain")


@app.get("/stream-closed")
def stream_closed():
    return jsonify(closed=STREAM_CLOSED)


@app.get("/forbidden")
def forbidden():
    abort(403)


@app.get("/crash")
def crash():
    raise KeyError("deliberate failure in a Flask view")
