"""The flows' forms, one module per flow: Flask-WTF classes whose validators are the flows' rules
(flows.validation, flows.password_rules). The shared base and helpers are in idp.web.forms."""
