<#import "template.ftl" as layout>
<#-- One result row, the only place its markup is written: rendered for each server-side result, and once into the
     <template> that institution-picker.js clones for search-as-you-type results. Fields the script fills carry
     data-field; the template keeps every optional part (the script removes what a result lacks). Logo URLs come
     resolved from the server (ResultRow.logoUrl). -->
<#macro resultRow row template=false>
<li class="sg-result">
    <a<#if !template> id="social-${row.alias}"</#if> class="sg-institution" href="${row.loginUrl!}" data-alias="${row.alias}">
        <#if template || row.logoUrl??><img class="sg-logo" alt="" src="${row.logoUrl!}" data-field="logo"></#if>
        <#if template || !row.logoUrl??><span class="sg-logo sg-initials" aria-hidden="true" data-field="initial">${row.initial}</span></#if>
        <span class="sg-text">
            <span class="sg-name" data-field="name">${row.name}</span>
            <#if template || row.domains?has_content><span class="sg-domains" data-field="domains">${row.domains?join(", ")}</span></#if>
        </span>
        <#if template || row.recent><span class="sg-badge" data-field="recent">${msg("institutionPickerRecent")}</span></#if>
    </a>
</li>
</#macro>
<#-- The institution picker. Only one page of institutions is rendered here, whatever the size of the realm: the
     search form posts back to the login step (works without JavaScript), and institution-picker.js searches the
     JSON endpoint as the user types. Links go to Keycloak's broker login, exactly like the stock IdP buttons. -->
<@layout.registrationLayout displayMessage=true displayInfo=false; section>
    <#if section = "header">
        ${msg("institutionPickerTitle")}
    <#elseif section = "form">
        <#assign picker = institutionPicker>
        <div id="sg-picker" class="sg-picker"
             data-search-url="${picker.searchUrl}"
             data-broker-url-template="${picker.brokerUrlTemplate}"
             data-alias-placeholder="${picker.aliasPlaceholder}"
             data-page="${picker.page?c}"
             data-msg-count="${msg("institutionPickerCount", "{0}")}"
             data-msg-none="${msg("institutionPickerNone")}"
             data-msg-page="${msg("institutionPickerPageOf", "{0}", "{1}")}"
             data-msg-failed="${msg("institutionPickerSearchFailed")}">

            <#if picker.remembered??>
                <div id="sg-remembered" class="sg-remembered">
                    <p>${msg("institutionPickerRemembered", picker.remembered.name)}</p>
                    <form method="post" action="${url.loginAction}">
                        <button type="submit" id="sg-forget" name="forget" value="on"
                                class="${properties.kcButtonSecondaryClass!}">${msg("institutionPickerForget")}</button>
                    </form>
                </div>
            </#if>

            <form id="sg-picker-form" class="sg-picker-form" method="post" action="${url.loginAction}" novalidate="novalidate">
                <div role="search" class="sg-search">
                    <label for="sg-query" class="sg-label">${msg("institutionPickerSearchLabel")}</label>
                    <p id="sg-query-help" class="sg-help">${msg("institutionPickerSearchHelp")}</p>
                    <div class="sg-search-row">
                        <span class="${properties.kcInputClass!} sg-query-control">
                            <input id="sg-query" name="q" type="search" value="${picker.query}" maxlength="100"
                                   autocomplete="off" spellcheck="false" autofocus
                                   aria-describedby="sg-query-help" aria-controls="sg-results">
                        </span>
                        <button type="submit" id="sg-search" name="search" value="on"
                                class="${properties.kcButtonSecondaryClass!}">${msg("institutionPickerSearch")}</button>
                    </div>
                </div>

                <div id="sg-remember-group" class="sg-remember ${properties.kcCheckboxClass!}" hidden>
                    <input class="${properties.kcCheckboxInputClass!}" type="checkbox" id="sg-remember" name="remember" value="on">
                    <label class="${properties.kcCheckboxLabelClass!}" for="sg-remember">${msg("institutionPickerRemember")}</label>
                </div>

                <p id="sg-status" class="sg-status" role="status" aria-live="polite" aria-atomic="true"><#if picker.total == 0>${msg("institutionPickerNone")}<#else>${msg("institutionPickerCount", picker.total?c)}</#if></p>

                <ul id="sg-results" class="sg-results" aria-label="${msg("institutionPickerResultsLabel")}" data-query="${picker.query}">
                    <#list picker.items as item>
                        <@resultRow row=item/>
                    </#list>
                </ul>
                <template id="sg-result-template"><@resultRow row={"alias": "", "name": "", "initial": "", "domains": [], "logoUrl": "", "recent": true, "loginUrl": ""} template=true/></template>

                <nav id="sg-pages" class="sg-pages" aria-label="${msg("institutionPickerPages")}" <#if picker.pageCount == 1>hidden</#if>>
                    <button type="submit" id="sg-previous" name="page" value="${(picker.page - 1)?c}"
                            class="${properties.kcButtonSecondaryClass!}" <#if !picker.hasPrevious>disabled</#if>>${msg("institutionPickerPrevious")}</button>
                    <span id="sg-page-of" class="sg-page-of">${msg("institutionPickerPageOf", picker.page?c, picker.pageCount?c)}</span>
                    <button type="submit" id="sg-next" name="page" value="${(picker.page + 1)?c}"
                            class="${properties.kcButtonSecondaryClass!}" <#if !picker.hasNext>disabled</#if>>${msg("institutionPickerNext")}</button>
                </nav>

                <#if picker.localLogin>
                    <p class="sg-local">
                        <button type="submit" id="sg-local" name="local" value="on"
                                class="${properties.kcButtonLinkClass!}">${msg("institutionPickerLocal")}</button>
                    </p>
                </#if>
            </form>
        </div>
        <script type="module" src="${url.resourcesPath}/js/institution-picker.js"></script>
    </#if>
</@layout.registrationLayout>
