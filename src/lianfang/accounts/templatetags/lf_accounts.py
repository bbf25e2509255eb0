import datetime as dt
import math

from django import template

register = template.Library()


@register.filter
def minutes(value):
    """A cool-off period (timedelta or hours) in whole minutes, rounded up."""
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    else:
        try:
            seconds = float(value) * 3600
        except (TypeError, ValueError):
            return ""
    return max(1, math.ceil(seconds / 60))
