# Shell conveniences for `docker compose exec django bash`.
alias dj='python manage.py'
alias djs='python manage.py shell'
