"""Which `OecError` an HTTP error status is, the same for every platform.

The platforms differ in their bodies and in a few statuses with a meaning of their own (oec.sh's
402, deployERP's 403 on a write, oCore's 5xx on a control call); those stay in each platform's
error module. The plain map below is the part they share, so a 404 is an `OecNotFound`
whichever platform said it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from oec_chatops.oec.errors import (
    OecAuthError,
    OecConflict,
    OecForbidden,
    OecNotFound,
    OecResponseError,
    OecValidationError,
)

STATUS_CLASSES: Mapping[int, type[OecResponseError]] = MappingProxyType(
    {
        400: OecValidationError,
        401: OecAuthError,
        403: OecForbidden,
        404: OecNotFound,
        409: OecConflict,
        422: OecValidationError,
    }
)
