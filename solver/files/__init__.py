"""Files people keep and read: the spreadsheet import and every export format."""
