from finmodel.cli import entry

entry()
