"""Questionnaire filling: find the questions of an .xlsx/.docx RFP, draft answers, write a reviewed copy."""

from assistant.questionnaires.filling import (
    NOT_FOUND_TEXT,
    RESTRICTED_TEXT,
    Drafter,
    Progress,
    fill_questionnaire,
    fill_questions,
)
from assistant.questionnaires.reading import SUPPORTED, read_questionnaire
from assistant.questionnaires.summary import QuestionnaireSummary
from assistant.questionnaires.writing import default_output_path

__all__ = [
    "NOT_FOUND_TEXT",
    "RESTRICTED_TEXT",
    "SUPPORTED",
    "Drafter",
    "Progress",
    "QuestionnaireSummary",
    "default_output_path",
    "fill_questionnaire",
    "fill_questions",
    "read_questionnaire",
]
