"""The oec.sh side: API client, its errors, answer models, and webhook signatures."""
