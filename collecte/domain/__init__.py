"""The domain: models, the stage machine, device codes and rules. No Flask imports here."""
