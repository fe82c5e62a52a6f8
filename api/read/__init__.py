"""The read API: conversations with their scores, trends, calibration and the review queue.

Types that other areas reuse live in `api.read.types` (`ScoreType`,
`ConversationType`, ...) and `api.read.enums`.
"""

from api.read.calibration import CalibrationQueries
from api.read.feedback import FeedbackMutations
from api.read.conversations import ConversationQueries
from api.read.review_queue import ReviewQueueQueries
from api.read.trends import TrendsQueries

queries: list[type] = [ConversationQueries, TrendsQueries, CalibrationQueries, ReviewQueueQueries]
mutations: list[type] = [FeedbackMutations]
subscriptions: list[type] = []
