"""Segmentation: answers split into the points they make."""

from zqf_analysis.themes.segment import split_segments


def test_numbered_points_are_split():
    text = "1. Lack of standardisation, 2. some employers may not fully understand or value micro credentials"
    assert split_segments(text) == [
        "Lack of standardisation",
        "some employers may not fully understand or value micro credentials",
    ]


def test_list_of_short_points_is_split_at_commas_and_the_last_and():
    text = "lack of recognition, poor quality assurance systems and lack of support"
    assert split_segments(text) == [
        "lack of recognition",
        "poor quality assurance systems",
        "lack of support",
    ]


def test_single_point_stays_whole():
    assert split_segments("lack of accreditation and recognition") == [
        "lack of accreditation and recognition"
    ]
    assert split_segments("Recognition") == ["Recognition"]


def test_long_sentence_with_commas_is_not_cut_into_a_list():
    text = (
        "SOME COMPANIES TO RECOGNISE MICRO CREDENTIALS, EVEN THE GOVERNMENT RARELY EMPLOYS PEOPLE WITH "
        "MICRO CREDENTIAL IN SOME MINISTRIES."
    )
    assert len(split_segments(text)) == 1


def test_sentences_are_split_but_a_year_is_not_an_enumeration():
    text = "Launched in 2017, its goal is growth. It works in 4 areas."
    assert split_segments(text) == ["Launched in 2017, its goal is growth", "It works in 4 areas"]
