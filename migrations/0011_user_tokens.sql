-- Users revoke their own API tokens on the account page (/account/tokens): the pool may delete a
-- token only through this function, and only one of the signed-in user's.
CREATE FUNCTION tessera.revoke_own_token(token_id bigint, owner_id bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM tessera.api_tokens t WHERE t.id = token_id AND t.user_id = owner_id;
    RETURN FOUND;
END
$$;

REVOKE ALL ON FUNCTION tessera.revoke_own_token(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tessera.revoke_own_token(bigint, bigint) TO tessera_app;
