"""Front desk (issue 15): kiosk keys, badge scans, presence and its NOTIFY stream."""
