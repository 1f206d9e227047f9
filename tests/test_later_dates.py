import datetime as dt

from later_dates import dates_after

AS_OF = dt.date(2025, 6, 1)


def test_finds_each_written_form_after_as_of():
    text = "Claimed on 3 Nov 2025; seen in Dec 2025; the 2026 assessment; ISO 2025-06-02."
    assert dates_after(text, AS_OF) == ["2025-06-02", "3 Nov 2025", "Dec 2025", "2026"]


def test_earlier_and_same_day_dates_pass():
    text = "Avdiivka fell on 17 Feb 2024; by 1 Jun 2025, in Jun 2025 and in 2025, nothing later; 2025-06-01."
    assert dates_after(text, AS_OF) == []
