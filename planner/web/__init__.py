"""The web layer: blueprints, login, CSRF, error pages and template helpers."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from planner.services.errors import ServiceError, error_body

login_manager = LoginManager()
csrf = CSRFProtect()

# Endpoints an anonymous visitor may reach; everything else needs a login.
# feeds.ics is reached with its secret token, by calendar apps that never log in.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.register",
    "auth.invite",
    "health.healthz",
    "static",
    "feeds.ics",
    "media.signed",  # a stored image by signed, expiring link, for platforms that fetch by URL
}


def init_app(app: Flask) -> None:
    from planner.web import (
        api,
        auth,
        bell,
        boundary,
        calendar,
        channels,
        exports,
        feeds,
        guardrails,
        health,
        imports,
        link_tags,
        media,
        oauth,
        planning,
        posts,
        publishing,
        review,
        settings,
        templating,
    )

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(auth.load_user)
    csrf.init_app(app)
    boundary.init_app(app)  # before any blueprint: routes use its <id:...> converter

    for bp in (auth.bp, calendar.bp, posts.bp, channels.bp, settings.bp, health.bp, guardrails.bp):
        app.register_blueprint(bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(bell.bp)
    for bp in (imports.bp, exports.bp, feeds.bp, link_tags.bp):
        app.register_blueprint(bp)
    app.register_blueprint(publishing.bp)
    app.register_blueprint(planning.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(oauth.bp)
    api_bp = api.blueprint()
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens only, never cookies
    templating.init_app(app)

    app.before_request(_require_login)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ServiceError, _service_error)
    app.after_request(_security_headers)


def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS or request.blueprint == "api":
        return None
    if request.endpoint is None:  # unknown URL: let the 404 handler answer
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def _wants_json() -> bool:
    """API calls, and the UI's own JSON requests, get the JSON error shape instead of a page."""
    return (
        request.path.startswith("/api/")
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def _csrf_error(exc: CSRFError):
    if _wants_json():
        return jsonify(error_body("csrf", exc.description)), 400
    return render_template(
        "errors/error.html",
        title="Form expired",
        message="The form expired or was sent from elsewhere. Go back, reload the page and try again.",
    ), 400


# Pages for HTTP errors: (title, message) by status; others show their own description.
PAGES = {
    404: ("Not found", "We could not find that page."),
    403: ("Not allowed", "Your role in this workspace may not do this."),
}
CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
}
JSON_MESSAGES = {404: "Not found.", 403: "Your role may not do this."}


def _http_error(exc: HTTPException):
    """Every HTTP error, matched URL or not: the JSON error shape under /api/, a page elsewhere."""
    status = exc.code or 500
    if request.path.startswith("/api/") or (status in (400, 413) and _wants_json()):
        message = JSON_MESSAGES.get(status) or exc.description or exc.name
        return jsonify(error_body(CODES.get(status, "error"), message)), status
    title, message = PAGES.get(status, (exc.name, exc.description or exc.name))
    return render_template("errors/error.html", title=title, message=message), status


def _service_error(exc: ServiceError):
    """Domain errors that a view did not handle itself become a calm error page (JSON for JSON)."""
    if _wants_json():
        return jsonify(exc.to_dict()), exc.status
    return render_template(
        "errors/error.html", title="That did not work", message=exc.message
    ), exc.status


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CSP)
    return response
