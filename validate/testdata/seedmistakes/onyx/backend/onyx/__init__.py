# the API package
