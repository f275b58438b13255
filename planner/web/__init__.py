"""The web layer: blueprints, login, CSRF, error pages and template helpers."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from planner.services.errors import ServiceError

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
}


def init_app(app: Flask) -> None:
    from planner.web import (
        api,
        auth,
        bell,
        calendar,
        channels,
        exports,
        feeds,
        guardrails,
        health,
        imports,
        link_tags,
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

    for bp in (auth.bp, calendar.bp, posts.bp, channels.bp, settings.bp, health.bp, guardrails.bp):
        app.register_blueprint(bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(bell.bp)
    for bp in (imports.bp, exports.bp, feeds.bp, link_tags.bp):
        app.register_blueprint(bp)
    app.register_blueprint(publishing.bp)
    app.register_blueprint(planning.bp)
    api_bp = api.blueprint()
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens only, never cookies
    templating.init_app(app)

    app.before_request(_require_login)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(403, _forbidden)
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


def _csrf_error(exc: CSRFError):
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(error={"code": "csrf", "message": exc.description, "fields": {}}), 400
    return render_template(
        "errors/error.html",
        title="Form expired",
        message="The form expired or was sent from elsewhere. Go back, reload the page and try again.",
    ), 400


def _not_found(_exc):
    if request.blueprint == "api":
        return jsonify(error={"code": "not_found", "message": "Not found.", "fields": {}}), 404
    return render_template(
        "errors/error.html", title="Not found", message="We could not find that page."
    ), 404


def _forbidden(_exc):
    if request.blueprint == "api":
        return jsonify(
            error={"code": "forbidden", "message": "Your role may not do this.", "fields": {}}
        ), 403
    return render_template(
        "errors/error.html",
        title="Not allowed",
        message="Your role in this workspace may not do this.",
    ), 403


def _service_error(exc: ServiceError):
    """Domain errors that a view did not handle itself become a calm error page."""
    return render_template(
        "errors/error.html", title="That did not work", message=exc.message
    ), exc.status


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    return response
