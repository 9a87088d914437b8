"""Airflow hooks: an Airflow connection in, a ready vendor client out."""
