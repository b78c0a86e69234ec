"""Grading matrices as versioned data, their evaluation and crosswalks."""
