"""make lint: the README speaks to an operator who has never seen the project: the sections an
install needs exist, troubleshooting covers the statuses people meet, and nothing in it is addressed to the team
or contradicts the code (the HOT updates SESSION_TOUCH makes)."""

import re

from sources import README, readme_section

SECTIONS = ["Install", "Log events", "Log rotation", "Upgrading", "Backup and restore", "Troubleshooting",
            "Uninstall"]
TEAM_NOTES = re.compile(r"\(issue \d+\)|\bthe lead\b|\bproposed to\b|\bwe will\b|\bTODO\b|\bfor now\b", re.I)


def test_every_operations_section_is_there():
    for name in SECTIONS:
        assert readme_section(name).strip(), name


def test_troubleshooting_covers_each_status_and_a_refused_reload():
    rows = [line for line in readme_section("Troubleshooting").splitlines() if line.startswith("| ")][2:]
    symptoms = " ".join(row.split(" | ")[0] for row in rows)
    for symptom in ("502", "503", "429", "403 on a POST", "reload"):
        assert symptom in symptoms, f"no troubleshooting row for {symptom}"
    assert all(len(row.split(" | ")) == 3 for row in rows), "each row: symptom | cause | fix"


def test_no_note_to_the_team():
    found = TEAM_NOTES.findall(README.read_text())
    assert not found, found


def test_hot_updates_are_described_as_made():
    text = README.read_text()
    assert "rather than made" not in text and "not one dashboard update was HOT" not in text
    assert "are HOT" in readme_section("Where the next limits are")


def test_readme_shows_the_script_it_runs():
    assert "sudo deploy/install.sh alice" in readme_section("Install")
