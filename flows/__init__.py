"""What a person does: registration, SMS password, password change, activation, sign-in."""
