import web
