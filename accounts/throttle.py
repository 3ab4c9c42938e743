"""Failed-login counting and lockouts, kept in the cache (Redis).

Three counters, each over a fixed window of ``LOGIN_FAILURE_WINDOW`` seconds:

``pair``     failures for one account from one client address. At ``LOGIN_FAILURE_LIMIT`` the
             pair is locked for ``LOGIN_LOCKOUT_SECONDS``. This is the lock a guessing attacker
             meets, and it does not touch the real user, who signs in from another address.
``address``  failures from one address over every account (password spraying). Locked at
             ``LOGIN_ADDRESS_FAILURE_LIMIT`` (default 4 × the pair limit, so that colleagues
             behind one office NAT who mistype are not all locked at once).
``account``  failures for one account over every address (a distributed attack). The limit is
             much higher (``LOGIN_ACCOUNT_FAILURE_LIMIT``, default 10 × the pair limit) and the
             lockout short (``LOGIN_ACCOUNT_LOCKOUT_SECONDS``, default at most 60 s), so that an
             attacker cannot keep a real user out for long.

When a counter reaches its limit, the lock is set and the counter starts again: once the lock
expires, the next failure does not lock again at once. A successful sign-in clears the pair
counter only (clearing the address counter would let an attacker with one valid account reset
it). Keys carry the tenant's schema (``django_tenants.cache.make_key``), so counts at one
tenant never affect another; accounts are identified by a hash of the email, not the email.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PAIR, ADDRESS, ACCOUNT = "pair", "address", "account"


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int
    window: int
    lockout: int


def rules() -> tuple[Rule, ...]:
    """The three rules, read from settings at call time (tests override settings)."""
    limit = settings.LOGIN_FAILURE_LIMIT
    window = settings.LOGIN_FAILURE_WINDOW
    lockout = settings.LOGIN_LOCKOUT_SECONDS
    return (
        Rule(PAIR, limit, window, lockout),
        Rule(
            ADDRESS,
            getattr(settings, "LOGIN_ADDRESS_FAILURE_LIMIT", None) or limit * 4,
            window,
            lockout,
        ),
        Rule(
            ACCOUNT,
            getattr(settings, "LOGIN_ACCOUNT_FAILURE_LIMIT", None) or limit * 10,
            window,
            getattr(settings, "LOGIN_ACCOUNT_LOCKOUT_SECONDS", None) or min(lockout, 60),
        ),
    )


def client_address(request: HttpRequest) -> str:
    """The client's IP address.

    ``REMOTE_ADDR`` unless ``settings.TRUSTED_PROXY_COUNT`` says how many reverse proxies of our
    own sit in front of the application: then the address that the outermost of them saw, read
    from the right of ``X-Forwarded-For`` (entries further left are whatever the client sent).
    IPv6 addresses count per /64 network, since one client usually holds a whole /64.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _account_id(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _subject(scope: str, email: str, address: str) -> str:
    if scope == PAIR:
        return f"{_account_id(email)}:{address}"
    if scope == ADDRESS:
        return address
    return _account_id(email)


def _count_key(scope: str, email: str, address: str) -> str:
    return f"login:fail:{scope}:{_subject(scope, email, address)}"


def _lock_key(scope: str, email: str, address: str) -> str:
    return f"login:lock:{scope}:{_subject(scope, email, address)}"


def lock_remaining(*, email: str, address: str) -> tuple[int, list[str]]:
    """Seconds until sign-in is allowed again (0 when not locked) and the scopes locked."""
    now = time.time()
    keys = {rule.scope: _lock_key(rule.scope, email, address) for rule in rules()}
    found = cache.get_many(list(keys.values()))
    remaining, scopes = 0.0, []
    for scope, key in keys.items():
        until = found.get(key)
        if until is not None and until > now:
            remaining = max(remaining, until - now)
            scopes.append(scope)
    return math.ceil(remaining), scopes


def _increment(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def failure_register(*, email: str, address: str) -> list[Rule]:
    """Count one failed sign-in; returns the rules whose lock this failure has just set."""
    tripped = []
    for rule in rules():
        key = _count_key(rule.scope, email, address)
        if _increment(key, rule.window) >= rule.limit:
            cache.set(
                _lock_key(rule.scope, email, address),
                time.time() + rule.lockout,
                timeout=max(1, rule.lockout),
            )
            cache.delete(key)
            tripped.append(rule)
    return tripped


def success_register(*, email: str, address: str) -> None:
    """A successful sign-in forgets the failures of this account at this address."""
    cache.delete(_count_key(PAIR, email, address))


def account_release(*, email: str, address: str) -> None:
    """Lift the account's own locks, e.g. after its owner proved control of the mailbox."""
    cache.delete_many(
        [
            _count_key(PAIR, email, address),
            _lock_key(PAIR, email, address),
            _count_key(ACCOUNT, email, address),
            _lock_key(ACCOUNT, email, address),
        ]
    )


def refusal_first(*, email: str, address: str, scopes: list[str], seconds: int) -> bool:
    """True once per lock: lets the caller audit the first refused attempt, not every one."""
    subject = ",".join(_lock_key(scope, email, address) for scope in sorted(scopes))
    key = "login:refused:" + hashlib.sha256(subject.encode()).hexdigest()[:32]
    return cache.add(key, 1, timeout=max(1, seconds))


RESET_WINDOW = 3600


def reset_allowed(*, email: str, address: str) -> bool:
    """Count one password-reset request; False once this email address has been asked for
    ``PASSWORD_RESET_LIMIT_PER_EMAIL`` times, or this client has asked
    ``PASSWORD_RESET_LIMIT_PER_CLIENT`` times, within the hour (tenant-scoped keys)."""
    per_email = _increment(f"reset:email:{_account_id(email)}", RESET_WINDOW)
    per_client = _increment(f"reset:client:{address}", RESET_WINDOW)
    return (
        per_email <= settings.PASSWORD_RESET_LIMIT_PER_EMAIL
        and per_client <= settings.PASSWORD_RESET_LIMIT_PER_CLIENT
    )
