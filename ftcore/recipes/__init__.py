"""Recipes that chain the engine's steps: the guided first run and the pilot."""
