"""The platform's stacks; ``infra.stacks.platform.build`` composes them into an app."""
