"""The board paper: ``finmodel report`` writes one self-contained HTML page and the same as PDF.

See docs/BOARD_PAPER.md.  :func:`finmodel.board_paper.paper.build` computes every figure,
:func:`finmodel.board_paper.html.render` lays them out, :func:`finmodel.board_paper.pdf.print_pdf`
prints the page with headless Chromium.
"""
