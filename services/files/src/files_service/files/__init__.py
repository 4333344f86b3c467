"""The files API (contract: "Files")."""
