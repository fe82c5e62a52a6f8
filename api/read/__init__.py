"""The read API: conversations with their scores, trends, calibration and the review queue."""

queries: list[type] = []
mutations: list[type] = []
subscriptions: list[type] = []
