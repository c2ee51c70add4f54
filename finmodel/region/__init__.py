"""Many boards at once: assurance records, a region's tables and its finance roll-up.

* :mod:`finmodel.region.record` - one board's assurance record (the questions of the
  national review, each with RAG, score, page reference and comment; high risk and
  sign-off), validated like a plan, finance questions pre-filled from finmodel's checks;
* :mod:`finmodel.region.region_file` - a region file naming its boards;
* :mod:`finmodel.region.rollup` - each board's plan run under the named scenarios, and
  the regional totals (sums of the boards' penny-rounded figures);
* :mod:`finmodel.region.tables` - the regional assurance summary's three tables with
  counts and sentences said from the data, and the long-format tables;
* :mod:`finmodel.region.workbook` and :mod:`finmodel.region.files` - what is written;
* :mod:`finmodel.region.cli` - ``finmodel region``.
"""
