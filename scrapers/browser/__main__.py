"""`python -m scrapers.browser`: print the Chromium Storyline would use."""

from scrapers.browser.locate import main

raise SystemExit(main())
