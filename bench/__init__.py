"""`make bench`: lk-idp side by side with panva's oidc-provider, same run, same machine."""
