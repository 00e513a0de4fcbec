"""retry_exceptions: which exceptions of a task or actor call run it again.

Ray's retry_exceptions is True, False or a list of exception classes. The
core knows only a flag: a task submitted with it is retried on any
exception, within max_retries. For a list, the task is submitted with the
flag and its class list travels in the call options; the worker reports an
exception that is not on the list as not retryable (TaskReply.not_retryable),
and the core does not run the task again. Actor calls have no retry of exceptions in the core: the
worker runs the method again itself (`call_with_retries`).
"""


def check(value):
    """`value` as an option: None, a bool, or a tuple of exception classes."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        for item in value:
            if not (isinstance(item, type) and issubclass(item, BaseException)):
                raise ValueError("retry_exceptions must be True, False or a list of exception classes; "
                                 f"{item!r} is not an exception class")
        return tuple(value)
    raise ValueError("retry_exceptions must be True, False or a list of exception classes, "
                     f"not {type(value).__name__}")


def matches(error, retry_on):
    """Whether `error` is retried under retry_exceptions=`retry_on`."""
    if retry_on is True:
        return isinstance(error, Exception)
    return bool(retry_on) and isinstance(error, retry_on)


def _again(error, retry_on, attempt, max_retries):
    """Whether a call that raised `error` on attempt `attempt` (0: the first) runs again."""
    return matches(error, retry_on) and (max_retries == -1 or attempt < (max_retries or 0))


def call_with_retries(call, retry_on, max_retries):
    """call(), run again while it raises an exception `retry_on` names, at
    most `max_retries` more times (-1: no limit)."""
    attempt = 0
    while True:
        try:
            return call()
        except Exception as e:
            if not _again(e, retry_on, attempt, max_retries):
                raise
            attempt += 1


async def call_with_retries_async(call, retry_on, max_retries):
    """call_with_retries for a coroutine function `call`."""
    attempt = 0
    while True:
        try:
            return await call()
        except Exception as e:
            if not _again(e, retry_on, attempt, max_retries):
                raise
            attempt += 1
