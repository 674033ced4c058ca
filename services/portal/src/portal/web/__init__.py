"""The counterparty's side over HTTP: the letter page, the answer, the PDF, and what guards them."""
