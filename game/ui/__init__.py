"""The terminal game (Textual). Nothing below ``game.ui`` is imported by the headless layers."""
