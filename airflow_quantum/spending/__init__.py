"""Spend control: cost estimates before submit, budgets, backend choice by queue, job telemetry."""
