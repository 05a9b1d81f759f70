"""Which of a transaction's rows its measured requests allow."""

from peakload.app.validate.judging import needs_more_requests


def test_a_transaction_with_requests_for_its_mean_only_keeps_its_mean_row():
    means_only = {"get_dossier"}
    assert not needs_more_requests("transactions.get_dossier.mean_s", means_only)
    assert needs_more_requests("transactions.get_dossier.p95_s", means_only)
    assert needs_more_requests("transactions.get_dossier.share", means_only)
    # Another transaction, with requests enough for all its rows, keeps them all.
    assert not needs_more_requests("transactions.get_payment.p95_s", means_only)
    # Rows of no transaction are never dropped, whatever their name.
    assert not needs_more_requests("tiers.get_dossier.utilization", means_only)
    assert not needs_more_requests("overall.p95_s", means_only)
