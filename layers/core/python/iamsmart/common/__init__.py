"""Shared mechanisms below the bounded contexts (no context imports here; every context may
import from here)."""
