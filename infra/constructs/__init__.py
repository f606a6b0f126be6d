"""Reusable building blocks; the stacks in ``infra.stacks`` compose them."""
